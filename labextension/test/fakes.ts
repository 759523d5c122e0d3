import { ChatSocket } from '../src/chat/chat-socket';

/** A response with a JSON (or raw text) body, enough for the client. */
export function fakeResponse(status: number, body?: unknown): Response {
  const text =
    body === undefined
      ? ''
      : typeof body === 'string'
        ? body
        : JSON.stringify(body);
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: status === 502 ? 'Bad Gateway' : '',
    text: async () => text,
    json: async () => JSON.parse(text)
  } as unknown as Response;
}

/** An in-memory `Storage`. */
export class MemoryStorage implements Storage {
  get length(): number {
    return this._items.size;
  }
  clear(): void {
    this._items.clear();
  }
  getItem(key: string): string | null {
    return this._items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this._items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this._items.delete(key);
  }
  setItem(key: string, value: string): void {
    this._items.set(key, value);
  }
  private _items = new Map<string, string>();
}

/** A WebSocket the test drives by hand; every instance is recorded. */
export class FakeWebSocket implements ChatSocket.ISocketLike {
  static instances: FakeWebSocket[] = [];

  constructor(
    readonly url: string,
    readonly protocols: string[]
  ) {
    FakeWebSocket.instances.push(this);
  }

  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  sent: string[] = [];
  closedWith: number | null = null;

  send(data: string): void {
    this.sent.push(data);
  }

  close(code?: number): void {
    this.closedWith = code ?? 1000;
  }

  /** Deliver a server event. */
  receive(event: unknown): void {
    this.onmessage?.({ data: JSON.stringify(event) });
  }

  /** Drop the connection from the server's side. */
  drop(code = 1006): void {
    this.onclose?.({ code });
  }
}

/** Timers the test fires by hand, in order of their due time. */
export class ManualTimers implements ChatSocket.ITimers {
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this._next++;
    this.pending.set(id, { fn, ms });
    return id;
  }

  clearTimeout(id: unknown): void {
    this.pending.delete(id as number);
  }

  /** Run the earliest pending timer and return its delay. */
  runNext(): number {
    const [id, timer] = [...this.pending.entries()].sort(
      (a, b) => a[1].ms - b[1].ms
    )[0];
    this.pending.delete(id);
    timer.fn();
    return timer.ms;
  }

  pending = new Map<number, { fn: () => void; ms: number }>();
  private _next = 1;
}
