/**
 * The remote-call primitive on its own: one thread of a live process calls
 * one of the process's functions and is put back as it was (see the comment
 * above RemoteCaller::Call in native/addon/remote_call.cc).
 */
import { remoteCallRaw } from '../native/injection.js';
import { explainEngineFailure } from './engine-errors.js';
import { checkTargetProcess } from './patch-engine.js';
import { withSignalGuard } from './signal-guard.js';

export interface RemoteCall {
  /** Run-time address of the function in the target. */
  function: bigint;
  /** Up to six integer or pointer arguments. */
  args?: readonly bigint[];
  /** Bytes copied onto the borrowed thread's stack; their address is passed as argument `dataArg`. */
  data?: Uint8Array;
  dataArg?: number;
  /** Borrow this thread (default: the first suitable one). */
  tid?: number;
  timeoutMs?: number;
}

export interface RemoteCallResult {
  /** %rax on return. */
  value: bigint;
  tid: number;
}

export async function callInProcess(pid: number, call: RemoteCall): Promise<RemoteCallResult> {
  checkTargetProcess(pid);
  try {
    return await withSignalGuard(() =>
      remoteCallRaw(pid, {
        function: call.function,
        args: [...(call.args ?? [])],
        data: call.data,
        dataArg: call.data ? (call.dataArg ?? 0) : undefined,
        tid: call.tid,
        timeoutMs: call.timeoutMs,
      }),
    );
  } catch (err) {
    throw explainEngineFailure(pid, err);
  }
}
