import { ISignal, Signal } from '@lumino/signaling';

import { Backoff } from './backoff';
import { ChatEvent, parseChatEvent } from './chat-events';

/** The close codes after which reconnecting with the same token is futile. */
const UNAUTHORIZED_CODES = new Set([4401, 4400]);

/**
 * The chat WebSocket: signs in with the bearer subprotocol, hands out the
 * server's events, pings to notice a dead link, and reconnects by itself
 * with backoff until it is closed on purpose or its token is refused.
 */
export class ChatSocket {
  constructor(options: ChatSocket.IOptions) {
    this._url = options.url;
    this._token = options.token;
    this._WebSocket =
      options.WebSocket ??
      (WebSocket as unknown as ChatSocket.SocketConstructor);
    this._backoff = new Backoff({
      initialMs: options.initialDelayMs ?? 1000,
      maxMs: options.maxDelayMs ?? 30000,
      random: options.random
    });
    this._pingIntervalMs = options.pingIntervalMs ?? 25000;
    this._timers = options.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: id => clearTimeout(id as ReturnType<typeof setTimeout>)
    };
  }

  /** Every event the server sent, in order. */
  get event(): ISignal<this, ChatEvent> {
    return this._event;
  }

  /** The connection's state, each time it changes. */
  get statusChanged(): ISignal<this, ChatSocket.Status> {
    return this._statusChanged;
  }

  get status(): ChatSocket.Status {
    return this._status;
  }

  /**
   * Whether the current connection is a reconnection, so the listener of a
   * `ready` event knows to fetch what it missed meanwhile.
   */
  get isReconnect(): boolean {
    return this._connections > 1;
  }

  /** Connect, unless already connected or connecting. */
  open(): void {
    this._wanted = true;
    if (this._socket) {
      return;
    }
    this._cancelRetry();
    this._setStatus('connecting');
    const socket = new this._WebSocket(this._url, [
      'learnflow.chat.v1',
      `learnflow.bearer.${this._token}`
    ]);
    this._socket = socket;
    socket.onmessage = message => this._onMessage(message.data);
    socket.onclose = close => this._onClose(socket, close.code);
    socket.onerror = () => {
      // A close event always follows; reconnecting is decided there.
    };
  }

  /** Close for good: no reconnection until `open()` is called again. */
  close(): void {
    this._wanted = false;
    this._cancelRetry();
    this._stopPing();
    const socket = this._socket;
    this._socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.close(1000);
    }
    this._setStatus('closed');
  }

  private _onMessage(data: unknown): void {
    const event = parseChatEvent(data);
    if (!event) {
      return;
    }
    if (event.type === 'ready') {
      this._connections += 1;
      this._backoff.reset();
      this._setStatus('open');
      this._awaitingPong = false;
      this._schedulePing();
    }
    if (event.type === 'pong') {
      this._awaitingPong = false;
    }
    this._event.emit(event);
  }

  private _onClose(socket: ChatSocket.ISocketLike, code: number): void {
    if (socket !== this._socket) {
      return;
    }
    this._socket = null;
    this._stopPing();
    if (!this._wanted) {
      this._setStatus('closed');
      return;
    }
    if (UNAUTHORIZED_CODES.has(code)) {
      this._wanted = false;
      this._setStatus('unauthorized');
      return;
    }
    this._setStatus('reconnecting');
    this._retry = this._timers.setTimeout(() => {
      this._retry = null;
      this.open();
    }, this._backoff.next());
  }

  private _schedulePing(): void {
    if (this._ping !== null) {
      this._timers.clearTimeout(this._ping);
    }
    this._ping = this._timers.setTimeout(() => {
      const socket = this._socket;
      if (!socket) {
        return;
      }
      if (this._awaitingPong) {
        // No pong since the last ping: the link is dead without a close.
        socket.close(4000);
        this._onClose(socket, 4000);
        return;
      }
      this._awaitingPong = true;
      socket.send(JSON.stringify({ type: 'ping' }));
      this._schedulePing();
    }, this._pingIntervalMs);
  }

  private _stopPing(): void {
    if (this._ping !== null) {
      this._timers.clearTimeout(this._ping);
      this._ping = null;
    }
    this._awaitingPong = false;
  }

  private _cancelRetry(): void {
    if (this._retry !== null) {
      this._timers.clearTimeout(this._retry);
      this._retry = null;
    }
  }

  private _setStatus(status: ChatSocket.Status): void {
    if (status !== this._status) {
      this._status = status;
      this._statusChanged.emit(status);
    }
  }

  private _awaitingPong = false;
  private _backoff: Backoff;
  private _connections = 0;
  private _event = new Signal<this, ChatEvent>(this);
  private _ping: unknown = null;
  private _pingIntervalMs: number;
  private _retry: unknown = null;
  private _socket: ChatSocket.ISocketLike | null = null;
  private _status: ChatSocket.Status = 'closed';
  private _statusChanged = new Signal<this, ChatSocket.Status>(this);
  private _timers: ChatSocket.ITimers;
  private _token: string;
  private _url: string;
  private _wanted = false;
  private _WebSocket: ChatSocket.SocketConstructor;
}

export namespace ChatSocket {
  export type Status =
    'closed' | 'connecting' | 'open' | 'reconnecting' | 'unauthorized';

  /** The part of the browser's WebSocket this class uses. */
  export interface ISocketLike {
    onmessage: ((event: { data: unknown }) => void) | null;
    onclose: ((event: { code: number }) => void) | null;
    onerror: ((event: unknown) => void) | null;
    send(data: string): void;
    close(code?: number): void;
  }

  export type SocketConstructor = new (
    url: string,
    protocols: string[]
  ) => ISocketLike;

  export interface ITimers {
    setTimeout(fn: () => void, ms: number): unknown;
    clearTimeout(id: unknown): void;
  }

  export interface IOptions {
    /** The `ws:` or `wss:` URL of `/chat/ws`. */
    url: string;
    /** The bearer token, offered as a subprotocol. */
    token: string;
    /** The first reconnection delay, 1 s by default. */
    initialDelayMs?: number;
    /** The longest reconnection delay, 30 s by default. */
    maxDelayMs?: number;
    /** How often to ping the server, 25 s by default. */
    pingIntervalMs?: number;
    random?: () => number;
    timers?: ITimers;
    WebSocket?: SocketConstructor;
  }
}
