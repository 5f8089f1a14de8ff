// Whether a signal-with-start started the workflow or signalled the running one. Temporal's answer says so
// (`started`), but the SDK hands back only the run id; this gRPC interceptor reads the flag off the answer for the
// caller that asked for it (an AsyncLocalStorage box), and leaves every other call alone.
import { AsyncLocalStorage } from 'node:async_hooks';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const SIGNAL_WITH_START = '/temporal.api.workflowservice.v1.WorkflowService/SignalWithStartWorkflowExecution';
const outcomes = new AsyncLocalStorage<{ started?: boolean }>();

const readStartOutcome: Interceptor = (options, nextCall) => {
  const box = outcomes.getStore();
  if (!box || options.method_definition.path !== SIGNAL_WITH_START) return new InterceptingCall(nextCall(options));
  return new InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      next(metadata, {
        onReceiveMessage(message: Buffer, nextMessage) {
          box.started = temporal.api.workflowservice.v1.SignalWithStartWorkflowExecutionResponse.decode(message).started;
          nextMessage(message);
        },
      });
    },
  });
};

/** A client connection that can tell a start from a signal (and keeps the SDK's default retries). */
export function connectTemporal(options: ConnectionOptions): Promise<Connection> {
  return Connection.connect({ ...options, interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), readStartOutcome] });
}

/** Runs a signal-with-start and says whether it started the workflow (true) or signalled a running one (false). */
export async function signalWithStartOutcome(call: () => Promise<unknown>): Promise<boolean> {
  const box: { started?: boolean } = {};
  await outcomes.run(box, call);
  if (box.started === undefined) throw new Error('signal-with-start on a Temporal connection not made by connectTemporal: whether it started the workflow is unknown');
  return box.started;
}
