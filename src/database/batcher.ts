/**
 * Group commit for one kind of database request. A request waits for the end of the event-loop
 * turn it was made in, or for the batch in flight, and then goes with every request made
 * meanwhile (up to `maxBatch`): replies that arrive together resume their requests in one turn,
 * so what those ask for next shares a command. Nothing waits for a timer: at low load a request
 * goes alone, at the end of its turn.
 *
 * `send` answers each request of a batch, in order, with its result or an Error of its own; an
 * error it throws goes to every request of the batch.
 */
export class Batcher<Request, Result> {
  private readonly queue: { request: Request; settle: (result: Result | Error) => void }[] = [];
  private sending = false;

  constructor(
    private readonly send: (requests: Request[]) => Promise<(Result | Error)[]>,
    private readonly maxBatch: number,
  ) {}

  submit(request: Request): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({
        request,
        settle: (result) => (result instanceof Error ? reject(result) : resolve(result)),
      });
      if (this.sending) return;
      this.sending = true;
      setImmediate(() => void this.sendAll());
    });
  }

  private async sendAll(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      let results: (Result | Error)[];
      try {
        results = await this.send(batch.map((entry) => entry.request));
      } catch (error) {
        results = batch.map(() => asError(error));
      }
      batch.forEach((entry, index) => entry.settle(results[index]));
    }
    this.sending = false;
  }
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
