/**
 * The config editor's calls to the saved datasource's sidecar resources (Test, Find cameras, the
 * sidecar's info, the cameras' live status): the datasource by uid, each call's state (idle,
 * running, answered, failed with the sidecar's words) and the error words. One place, so every
 * call shows its errors the same way and none raises Grafana's own error toast.
 */
import { type DataSourceWithBackend, getDataSourceSrv } from '@grafana/runtime';
import { useCallback, useEffect, useState } from 'react';

export type CallState<T> =
  | { kind: 'idle' }
  | { kind: 'running' }
  | { kind: 'done'; answer: T }
  | { kind: 'error'; message: string; status?: number };

/** The sidecar's words are in data.error (its JSON body); Grafana's own in data.message. */
export function errorMessage(err: unknown): string {
  const e = err as { data?: { message?: unknown; error?: unknown }; message?: unknown; statusText?: unknown };
  const text = e?.data?.error ?? e?.data?.message ?? e?.message ?? e?.statusText;
  return typeof text === 'string' && text ? text : 'unknown error';
}

function failed(err: unknown): CallState<never> {
  const status = (err as { status?: unknown })?.status;
  return { kind: 'error', message: errorMessage(err), ...(typeof status === 'number' ? { status } : {}) };
}

function datasource(uid: string | undefined): Promise<DataSourceWithBackend> {
  return getDataSourceSrv().get(uid) as Promise<DataSourceWithBackend>;
}

/** A call the user starts (a button): its state, `post` or `get` to run it (again), `reset` to forget it. */
export function useResourceCall<T>(uid: string | undefined) {
  const [state, setState] = useState<CallState<T>>({ kind: 'idle' });
  const run = useCallback(
    async (call: (ds: DataSourceWithBackend) => Promise<T>) => {
      setState({ kind: 'running' });
      try {
        setState({ kind: 'done', answer: await call(await datasource(uid)) });
      } catch (err) {
        setState(failed(err));
      }
    },
    [uid]
  );
  const post = useCallback(
    (path: string, body: unknown) => run((ds) => ds.postResource<T>(path, body, { showErrorAlert: false })),
    [run]
  );
  const get = useCallback(
    (path: string, params?: Record<string, unknown>) =>
      run((ds) => ds.getResource<T>(path, params, { showErrorAlert: false })),
    [run]
  );
  const reset = useCallback(() => setState({ kind: 'idle' }), []);
  return { state, post, get, reset };
}

/**
 * A GET made when the editor opens and again whenever `version` changes (Grafana bumps it on save)
 * or `refresh` does; idle until the first answer and while the datasource is not saved (no uid). An
 * answer to an older request is dropped.
 */
export function useResourceGet<T>(
  uid: string | undefined,
  path: string,
  version?: number,
  refresh?: number | string
): CallState<T> {
  const [state, setState] = useState<CallState<T>>({ kind: 'idle' });
  useEffect(() => {
    if (!uid) {
      return;
    }
    let cancelled = false;
    // The last answer stays until the new one comes (no flicker of the rows after a save).
    datasource(uid)
      .then((ds) => ds.getResource<T>(path, undefined, { showErrorAlert: false }))
      .then(
        (answer) => !cancelled && setState({ kind: 'done', answer }),
        (err: unknown) => !cancelled && setState(failed(err))
      );
    return () => {
      cancelled = true;
    };
  }, [uid, path, version, refresh]);
  return state;
}
