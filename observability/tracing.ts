// OpenTelemetry tracing, configured by the standard OTEL_* variables and off when no exporter endpoint is set.
// One trace runs from a webhook request through the workflow start, the workflow and its activities, and on to
// consumers through the `traceparent` of each event envelope.
import { context, propagation, trace, type Context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  /** Also given to the worker's workflow span sink, so workflow spans leave the same way. */
  processor: SpanProcessor;
  resource: Resource;
  shutdown(): Promise<void>;
}

/** Tracing is on when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or …_TRACES_ENDPOINT). */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

/**
 * Registers the global tracer provider (AsyncLocalStorage context, W3C trace context) exporting over OTLP/HTTP; the
 * exporter reads its endpoint, headers and timeouts from OTEL_EXPORTER_OTLP_*, the batch its OTEL_BSP_* settings.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName });
  if (!tracingEnabled(env)) return { processor: new NoopSpanProcessor(), resource, shutdown: async () => undefined };
  const processor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  return { processor, resource, shutdown: () => provider.shutdown() };
}

/** `traceId`/`spanId` of the active span, for log lines. */
export function activeTraceFields(): { traceId?: string; spanId?: string } {
  const span = trace.getActiveSpan()?.spanContext();
  return span && trace.isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
}

/**
 * The active trace context as W3C `traceparent`/`tracestate`, for an event envelope; empty when not tracing.
 * Every event of a page shares one active context, so it is formatted once per context, not once per event.
 */
let lastContext: Context | undefined;
let lastCarrier: { traceparent?: string; tracestate?: string } = {};
export function activeTraceContext(): { traceparent?: string; tracestate?: string } {
  const active = context.active();
  if (active !== lastContext) {
    const carrier: { traceparent?: string; tracestate?: string } = {};
    propagation.inject(active, carrier);
    lastContext = active;
    lastCarrier = carrier;
  }
  return lastCarrier;
}
