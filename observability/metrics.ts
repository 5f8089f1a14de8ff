// Prometheus metrics of this service (prom-client). One registry per process: the API serves it on /metrics,
// a worker on WORKER_METRICS_PORT. The Temporal SDK's own metrics have their own port (TEMPORAL_METRICS_PORT).
import http from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const metrics = {
  httpRequests: new Counter({ name: 'http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] }),
  httpDuration: new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
  webhookSignatureFailures: new Counter({ name: 'webhook_signature_failures_total', help: 'Webhooks refused for a bad or missing signature', labelNames: ['provider'], registers: [registry] }),
  syncs: new Counter({ name: 'syncs_total', help: 'Syncs started, completed, failed or cancelled', labelNames: ['provider', 'trigger', 'outcome'], registers: [registry] }),
  syncDuration: new Histogram({
    name: 'sync_duration_seconds',
    help: 'Duration of finished sync passes',
    labelNames: ['provider', 'outcome'],
    buckets: [1, 5, 15, 60, 300, 900, 3600],
    registers: [registry],
  }),
  records: new Counter({ name: 'sync_records_total', help: 'Records by what happened to them', labelNames: ['provider', 'entity_type', 'outcome'], registers: [registry] }),
  eventsPublished: new Counter({ name: 'events_published_total', help: 'Events accepted by the bus', labelNames: ['bus'], registers: [registry] }),
  publishFailures: new Counter({ name: 'event_publish_failures_total', help: 'Publish calls the bus refused (the events go to the outbox)', labelNames: ['bus'], registers: [registry] }),
  eventsSpilled: new Counter({ name: 'events_spilled_total', help: 'Events written to the PostgreSQL outbox because Redis did not take them (or earlier ones still waited)', registers: [registry] }),
  eventsTrimmedUnread: new Counter({ name: 'events_trimmed_unread_total', help: 'Stream entries a consumer group had not acknowledged, dropped at the hard cap (EVENT_STREAM_MAXLEN)', registers: [registry] }),
  outboxEvents: new Gauge({ name: 'event_outbox_events', help: 'Events waiting in the outbox for Redis', registers: [registry] }),
  outboxOldestAgeSeconds: new Gauge({ name: 'event_outbox_oldest_age_seconds', help: 'How long the oldest outbox event has waited (0 when none)', registers: [registry] }),
  paceFallbacks: new Counter({ name: 'provider_pace_local_fallbacks_total', help: 'Provider calls paced by this process alone because Redis did not answer', registers: [registry] }),
  tokenRefreshes: new Counter({ name: 'token_refreshes_total', help: 'OAuth refresh attempts by outcome', labelNames: ['outcome'], registers: [registry] }),
};

/** A bare /metrics endpoint for processes without the API (workers). */
export function serveMetrics(port: number, host = '0.0.0.0'): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}
