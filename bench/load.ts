import autocannon from 'autocannon';
import { cpuSeconds, type RssSampler } from './server';
import { percentile } from './stats';

/** One kind of request a scenario repeats. */
export interface LoadSpec {
  method: 'GET' | 'POST' | 'DELETE';
  /**
   * Called before every request: its path, headers and body, and for a run that mixes kinds of
   * request, its kind (latencies are then also given per kind).
   */
  next: () => { path: string; headers?: Record<string, string>; body?: string; kind?: string };
  /** A 2xx whose body fails this counts as an error (GraphQL answers errors with 200). */
  verifyBody?: (body: string) => boolean;
  /** Stop early when the scenario runs out of inputs (say, fresh refresh tokens). */
  exhausted?: () => boolean;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  ok: number;
  /** Non-2xx answers, request errors and timeouts, and failed body checks. */
  errors: number;
  statusCodes: Record<string, number>;
  seconds: number;
  peakRssMb: number;
  /** CPU time the server process spent per answer counted (user + system). */
  cpuUsPerRequest: number;
  /** For a spec that names kinds: the answers of each kind, counted and timed alike. */
  byKind: Record<string, KindResult>;
}

export interface KindResult {
  /** Answers (any status) after the warm-up. */
  answers: number;
  p50: number;
  p99: number;
}

/** What autocannon keeps per connection; `kind` is that of the one request it has in flight. */
interface ConnectionContext {
  kind?: string;
}

export interface LoadOptions {
  baseUrl: string;
  connections: number;
  durationS: number;
  warmupS: number;
  rss: RssSampler;
  /** The server process, whose CPU time is read over the measured seconds. */
  pid: number;
}

/**
 * One continuous autocannon run of warm-up + measured seconds; only responses that arrive after
 * the warm-up count. (Two separate runs would leave the warm-up's abandoned requests running in
 * the server at the start of the measured one.)
 */
export function runLoad(spec: LoadSpec, options: LoadOptions): Promise<LoadResult> {
  const { verifyBody } = spec;
  const measureFrom = performance.now() + options.warmupS * 1000;
  const latencies: number[] = [];
  const latenciesByKind = new Map<string, number[]>();
  const statusCodes: Record<string, number> = {};
  let failures = 0;
  const measuring = (): boolean => performance.now() >= measureFrom;
  let cpuAtStart = 0;
  const warmupTimer = setTimeout(() => {
    options.rss.reset();
    cpuAtStart = cpuSeconds(options.pid);
  }, options.warmupS * 1000);

  return new Promise((resolveResult, reject) => {
    let instance: autocannon.Instance | undefined = undefined;
    instance = autocannon(
      {
        url: options.baseUrl,
        connections: options.connections,
        duration: options.warmupS + options.durationS,
        timeout: 30,
        method: spec.method,
        requests: [
          {
            setupRequest: (request, context: ConnectionContext) => {
              if (spec.exhausted?.() === true) instance?.stop();
              const { path, headers, body, kind } = spec.next();
              context.kind = kind;
              return {
                ...request,
                path,
                headers: { ...request.headers, ...headers },
                ...(body !== undefined && { body }),
              };
            },
            ...(verifyBody !== undefined && {
              onResponse: (status: number, body: string) => {
                if (measuring() && status < 300 && !verifyBody(body)) failures += 1;
              },
            }),
          },
        ],
      },
      (error: unknown) => {
        clearTimeout(warmupTimer);
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error('autocannon failed'));
          return;
        }
        const seconds = Math.max(0.001, (performance.now() - measureFrom) / 1000);
        const non2xx = Object.entries(statusCodes)
          .filter(([code]) => !code.startsWith('2'))
          .reduce((sum, [, count]) => sum + count, 0);
        const cpuUsed = cpuSeconds(options.pid) - cpuAtStart;
        const ok = latencies.length - non2xx - failures;
        latencies.sort((a, b) => a - b);
        const byKind: Record<string, KindResult> = {};
        for (const [kind, ofKind] of latenciesByKind) {
          ofKind.sort((a, b) => a - b);
          byKind[kind] = {
            answers: ofKind.length,
            p50: percentile(ofKind, 50),
            p99: percentile(ofKind, 99),
          };
        }
        resolveResult({
          requestsPerSecond: ok / seconds,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          ok,
          errors: non2xx + failures,
          statusCodes,
          seconds,
          peakRssMb: options.rss.windowPeak(),
          cpuUsPerRequest: (cpuUsed * 1e6) / Math.max(1, latencies.length),
          byKind,
        });
      },
    );
    instance.on('response', (client, statusCode, _bytes, responseTime) => {
      if (!measuring()) return;
      latencies.push(responseTime);
      // a connection has one request in flight; its next one is set up after this event
      const { kind } = (client as unknown as { requestIterator: { context: ConnectionContext } })
        .requestIterator.context;
      if (kind !== undefined) {
        let ofKind = latenciesByKind.get(kind);
        if (ofKind === undefined) latenciesByKind.set(kind, (ofKind = []));
        ofKind.push(responseTime);
      }
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    });
    instance.on('reqError', () => {
      if (measuring()) failures += 1;
    });
  });
}
