import { LearnFlowClient } from './client';
import { IChatMessage, IConversation, IMessagePage } from './types';
import { query } from './urls';

const e = encodeURIComponent;

/**
 * The chat routes: conversations, their history, posting and read markers.
 */
export class ChatApi {
  constructor(client: LearnFlowClient) {
    this._client = client;
  }

  /** The caller's conversations, latest activity first. */
  conversations(): Promise<IConversation[]> {
    return this._client.request('GET', '/chat/conversations');
  }

  /** Start a conversation; members are account ids, emails or `tutor`. */
  createConversation(title: string, members: string[]): Promise<IConversation> {
    return this._client.request('POST', '/chat/conversations', {
      title,
      members
    });
  }

  /** A page of history, oldest first. */
  messages(
    conversationId: string,
    cursor: ChatApi.ICursor = {}
  ): Promise<IMessagePage> {
    return this._client.request(
      'GET',
      `/chat/conversations/${e(conversationId)}/messages` +
        query({
          before: cursor.before,
          after: cursor.after,
          limit: cursor.limit
        })
    );
  }

  /** Post a message to a conversation. */
  send(conversationId: string, message: string): Promise<IChatMessage> {
    return this._client.request('POST', '/chat/message', {
      message,
      conversation_id: conversationId
    });
  }

  /** Move the caller's read marker to the newest message. */
  markRead(conversationId: string): Promise<unknown> {
    return this._client.request(
      'POST',
      `/chat/conversations/${e(conversationId)}/read`,
      {}
    );
  }

  private _client: LearnFlowClient;
}

export namespace ChatApi {
  export interface ICursor {
    before?: string;
    after?: string;
    limit?: number;
  }
}
