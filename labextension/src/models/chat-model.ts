import { ISignal, Signal } from '@lumino/signaling';

import { ChatApi } from '../api/chat-api';
import { LearnFlowClient } from '../api/client';
import { messageOf } from '../api/errors';
import { IChatMessage, IConversation } from '../api/types';
import { ChatEvent } from '../chat/chat-events';
import { ChatSocket } from '../chat/chat-socket';

/** One conversation's loaded history. */
export interface IHistory {
  messages: IChatMessage[];
  /** Whether older messages remain on the server. */
  hasMore: boolean;
  loading: boolean;
}

/**
 * The caller's conversations and their history, kept current by the chat
 * socket; after a reconnection or a `resync` it fetches what it missed.
 */
export class ChatModel {
  constructor(options: ChatModel.IOptions) {
    this.client = options.client;
    this._api = new ChatApi(options.client);
    this._socketFactory = options.socketFactory;
    this._pageSize = options.pageSize ?? 50;
    this.client.userChanged.connect(() => this._onUserChanged());
    this._onUserChanged();
  }

  readonly client: LearnFlowClient;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get conversations(): IConversation[] {
    return this._conversations;
  }

  get activeId(): string | null {
    return this._activeId;
  }

  /** The socket's state, for the panel's connection indicator. */
  get status(): ChatSocket.Status {
    return this._socket?.status ?? 'closed';
  }

  get error(): string | null {
    return this._error;
  }

  /** The loaded history of a conversation. */
  history(conversationId: string): IHistory | undefined {
    return this._histories.get(conversationId);
  }

  /** Fetch the conversation list. */
  async refresh(): Promise<void> {
    await this._run(async () => {
      this._conversations = await this._api.conversations();
    });
  }

  /** Show a conversation: fetch its newest page once, and mark it read. */
  async select(conversationId: string | null): Promise<void> {
    this._activeId = conversationId;
    this._changed.emit();
    if (conversationId === null) {
      return;
    }
    if (!this._histories.has(conversationId)) {
      await this._run(async () => {
        const page = await this._api.messages(conversationId, {
          limit: this._pageSize
        });
        this._histories.set(conversationId, {
          messages: page.messages,
          hasMore: page.has_more,
          loading: false
        });
      });
    }
    await this.markRead(conversationId);
  }

  /** Fetch the page just older than the oldest loaded message. */
  async loadOlder(conversationId: string): Promise<void> {
    const history = this._histories.get(conversationId);
    if (!history || !history.hasMore || history.loading) {
      return;
    }
    history.loading = true;
    await this._run(async () => {
      try {
        const page = await this._api.messages(conversationId, {
          before: history.messages[0]?.id,
          limit: this._pageSize
        });
        history.messages = [...page.messages, ...history.messages];
        history.hasMore = page.has_more;
      } finally {
        history.loading = false;
      }
    });
  }

  /** Post a message to the active conversation. */
  async send(text: string): Promise<boolean> {
    const conversationId = this._activeId;
    if (!conversationId || !text.trim()) {
      return false;
    }
    return this._run(async () => {
      await this._api.send(conversationId, text);
      // The socket delivers the stored message; catch up in case it is down.
      if (this.status !== 'open') {
        await this._catchUp(conversationId);
      }
    });
  }

  /** Start a conversation, optionally with the tutor, and show it. */
  async create(title: string, members: string[], tutor: boolean) {
    let created: IConversation | null = null;
    await this._run(async () => {
      const all = tutor ? [...members, 'tutor'] : members;
      created = await this._api.createConversation(title, all);
      this._conversations = await this._api.conversations();
    });
    if (created) {
      await this.select((created as IConversation).id);
    }
    return created !== null;
  }

  /**
   * Move the read marker of a conversation to its newest message; without
   * `force`, only when it has unread messages.
   */
  async markRead(conversationId: string, force = false): Promise<void> {
    const conversation = this._find(conversationId);
    if (!force && conversation && conversation.unread === 0) {
      return;
    }
    await this._run(async () => {
      await this._api.markRead(conversationId);
      const current = this._find(conversationId);
      if (current) {
        current.unread = 0;
      }
    });
  }

  /** Close the socket and drop its listeners. */
  dispose(): void {
    this._socket?.close();
    this._socket = null;
  }

  private _onUserChanged(): void {
    this.dispose();
    this._conversations = [];
    this._histories.clear();
    this._activeId = null;
    const token = this.client.token;
    if (this.client.user && token) {
      const socket = this._socketFactory(token);
      socket.event.connect((_, event) => void this._onEvent(socket, event));
      socket.statusChanged.connect(() => this._changed.emit());
      this._socket = socket;
      socket.open();
      void this.refresh();
    }
    this._changed.emit();
  }

  private async _onEvent(socket: ChatSocket, event: ChatEvent): Promise<void> {
    switch (event.type) {
      case 'ready':
        if (socket.isReconnect) {
          await this._resync();
        }
        break;
      case 'resync':
        await this._resync();
        break;
      case 'message':
        await this._onMessage(event.message);
        break;
      case 'conversation':
        await this.refresh();
        break;
      case 'removed':
        this._conversations = this._conversations.filter(
          c => c.id !== event.conversation_id
        );
        this._histories.delete(event.conversation_id);
        if (this._activeId === event.conversation_id) {
          this._activeId = null;
        }
        this._changed.emit();
        break;
    }
  }

  private async _onMessage(message: IChatMessage): Promise<void> {
    const history = this._histories.get(message.conversation_id);
    if (history && !history.messages.some(m => m.id === message.id)) {
      history.messages = [...history.messages, message];
    }
    const conversation = this._find(message.conversation_id);
    if (!conversation) {
      await this.refresh();
      return;
    }
    conversation.last_message = message;
    const own = message.sender_id === this.client.user?.id;
    if (!own && message.conversation_id !== this._activeId) {
      conversation.unread += 1;
    }
    this._conversations = [
      conversation,
      ...this._conversations.filter(c => c !== conversation)
    ];
    this._changed.emit();
    if (!own && message.conversation_id === this._activeId) {
      await this.markRead(message.conversation_id, true);
    }
  }

  /** Fetch the conversation list and every loaded history's missed tail. */
  private async _resync(): Promise<void> {
    await this.refresh();
    for (const id of [...this._histories.keys()]) {
      await this._catchUp(id);
    }
  }

  /** Fetch the messages after the newest one loaded, page by page. */
  private async _catchUp(conversationId: string): Promise<void> {
    const history = this._histories.get(conversationId);
    if (!history) {
      return;
    }
    await this._run(async () => {
      let more = true;
      while (more) {
        const last = history.messages[history.messages.length - 1];
        const page = await this._api.messages(conversationId, {
          after: last?.id,
          limit: this._pageSize
        });
        const known = new Set(history.messages.map(m => m.id));
        history.messages = [
          ...history.messages,
          ...page.messages.filter(m => !known.has(m.id))
        ];
        more = page.has_more && page.messages.length > 0 && last !== undefined;
      }
    });
  }

  private _find(conversationId: string): IConversation | undefined {
    return this._conversations.find(c => c.id === conversationId);
  }

  private async _run(action: () => Promise<unknown>): Promise<boolean> {
    this._error = null;
    try {
      await action();
      return true;
    } catch (error) {
      this._error = messageOf(error);
      return false;
    } finally {
      this._changed.emit();
    }
  }

  private _activeId: string | null = null;
  private _api: ChatApi;
  private _changed = new Signal<this, void>(this);
  private _conversations: IConversation[] = [];
  private _error: string | null = null;
  private _histories = new Map<string, IHistory>();
  private _pageSize: number;
  private _socket: ChatSocket | null = null;
  private _socketFactory: (token: string) => ChatSocket;
}

export namespace ChatModel {
  export interface IOptions {
    client: LearnFlowClient;
    /** Make the chat socket for a token. */
    socketFactory: (token: string) => ChatSocket;
    /** How many messages one history page holds, 50 by default. */
    pageSize?: number;
  }
}
