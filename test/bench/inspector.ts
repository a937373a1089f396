import WebSocket from 'ws';

/**
 * The V8 CPU profiler of a server started with `--inspect`, driven over the
 * inspector protocol: started and stopped around one scenario's measured
 * load, so that each scenario gets a profile of its own.
 */
export class InspectorProfiler {
  private next = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { id?: number; result?: unknown; error?: { message: string } };
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id!);
      if (message.error) waiting.reject(new Error(message.error.message));
      else waiting.resolve(message.result);
    });
  }

  static connect(url: string): Promise<InspectorProfiler> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { maxPayload: 1024 * 1024 * 1024 });
      socket.once('open', () => resolve(new InspectorProfiler(socket)));
      socket.once('error', reject);
    });
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async start(): Promise<void> {
    await this.call('Profiler.enable');
    await this.call('Profiler.start');
  }

  /** Stops the profiler; the profile as `--cpu-prof` writes it. */
  async stop(): Promise<unknown> {
    const { profile } = (await this.call('Profiler.stop')) as { profile: unknown };
    await this.call('Profiler.disable');
    return profile;
  }

  close(): void {
    this.socket.close();
  }
}
