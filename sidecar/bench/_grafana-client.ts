/**
 * Grafana's side of a QueryData, for timing it as Grafana would see it: the conformance module's
 * `cmd/querytime` (grpc-go with go-plugin's call options, then the SDK's backend.FromProto, which
 * reads every frame with its Arrow reader), built once with `go` and fed one request a line.
 * Absent `go`, the benchmarks say so and time with the Node client alone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const conformance = fileURLToPath(new URL('../../test/conformance', import.meta.url));

export interface GoAnswer {
  /** Until the answer had arrived and its protobuf was decoded (what the gRPC call costs). */
  receivedMs: number;
  /** Including the SDK's Arrow decoding of every frame (Grafana's own work after the call). */
  ms: number;
  frames: number;
  bytes: number;
  rows: number;
}

export interface GoClient {
  ask(q: {
    json: unknown;
    from: number;
    to: number;
    maxDataPoints: number;
    jsonData: unknown;
    uid: string;
  }): Promise<GoAnswer>;
  close(): void;
}

let built: string | null | undefined;

/** The querytime binary, built on first use; null (with the reason) when Go is not there or the build fails. */
export function buildQueryTime(): { path: string | null; why?: string } {
  if (built !== undefined) {
    return built ? { path: built } : { path: null, why: 'the build failed before' };
  }
  const out = join(mkdtempSync(join(tmpdir(), 'tapo-querytime-')), 'querytime');
  const r = spawnSync('go', ['build', '-buildvcs=false', '-o', out, './cmd/querytime'], {
    cwd: conformance,
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0) {
    built = null;
    const why = r.error ? `go is not available (${r.error.message})` : `go build failed: ${r.stderr.trim()}`;
    return { path: null, why };
  }
  built = out;
  return { path: out };
}

/** A querytime process talking to the plugin at `address` (host:port). */
export function startGoClient(binary: string, address: string): GoClient {
  const child: ChildProcess = spawn(binary, ['-addr', address], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<{ resolve: (a: GoAnswer) => void; reject: (e: Error) => void }> = [];
  lines.on('line', (line) => {
    const w = waiting.shift();
    if (!w) {
      return;
    }
    const a = JSON.parse(line) as GoAnswer & { error?: string };
    if (a.error) {
      w.reject(new Error(`querytime: ${a.error}`));
    } else {
      w.resolve(a);
    }
  });
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) {
      w.reject(new Error(`querytime exited with ${code}`));
    }
  });
  return {
    ask: (q) =>
      new Promise<GoAnswer>((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin!.write(`${JSON.stringify(q)}\n`);
      }),
    close: () => {
      child.stdin!.end();
    },
  };
}
