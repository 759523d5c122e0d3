import { LearnFlowClient } from '../src/api/client';
import { TokenStore } from '../src/api/token-store';
import { IChatMessage } from '../src/api/types';
import { ChatSocket } from '../src/chat/chat-socket';
import { ChatModel } from '../src/models/chat-model';
import {
  FakeWebSocket,
  fakeResponse,
  ManualTimers,
  MemoryStorage
} from './fakes';

const API = 'http://h/learnflow/api';
const ADA = {
  id: 'u1',
  email: 'ada@example.org',
  name: 'Ada',
  role: 'student'
};

function message(id: string, sender = 'u2'): IChatMessage {
  return {
    id,
    conversation_id: 'c1',
    sender_id: sender,
    sender_name: 'Bo',
    message: `message ${id}`,
    timestamp: '2024-01-01T00:00:00Z',
    sources: []
  };
}

const conversation = (unread: number) => ({
  id: 'c1',
  title: 'Loops',
  owner_id: 'u1',
  tutor: false,
  members: [],
  created_at: '2024-01-01T00:00:00Z',
  last_message: null,
  unread
});

/** A signed-in chat model over a scripted server; returns the requests. */
async function setUp(routes: Record<string, () => unknown>) {
  const storage = new MemoryStorage();
  storage.setItem(`learnflow:token:${API}`, 'tok');
  const requests: string[] = [];
  const client = new LearnFlowClient({
    apiUrl: API,
    tokenStore: new TokenStore(storage),
    fetch: async (url, init) => {
      const path = url.slice(API.length);
      requests.push(`${init.method} ${path}`);
      const route = Object.keys(routes).find(r =>
        `${init.method} ${path}`.startsWith(r)
      );
      return fakeResponse(200, route ? routes[route]() : ADA);
    }
  });
  const timers = new ManualTimers();
  FakeWebSocket.instances = [];
  const model = new ChatModel({
    client,
    pageSize: 2,
    socketFactory: token =>
      new ChatSocket({
        url: 'ws://h/ws',
        token,
        WebSocket: FakeWebSocket,
        timers,
        random: () => 0
      })
  });
  await client.restore();
  await flush();
  return { model, requests, timers };
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));
const socket = () =>
  FakeWebSocket.instances[FakeWebSocket.instances.length - 1];

describe('ChatModel', () => {
  it('fetches what it missed with after= once the socket reconnects', async () => {
    const { model, requests, timers } = await setUp({
      'GET /chat/conversations/c1/messages?after=m2': () => ({
        messages: [message('m3')],
        has_more: false
      }),
      'GET /chat/conversations/c1/messages': () => ({
        messages: [message('m1'), message('m2')],
        has_more: true
      }),
      'GET /chat/conversations': () => [conversation(0)]
    });
    await model.select('c1');
    socket().receive({ type: 'ready', user: ADA });

    socket().drop();
    timers.runNext();
    socket().receive({ type: 'ready', user: ADA });
    await flush();

    expect(requests).toContain(
      'GET /chat/conversations/c1/messages?after=m2&limit=2'
    );
    expect(model.history('c1')!.messages.map(m => m.id)).toEqual([
      'm1',
      'm2',
      'm3'
    ]);
  });

  it('appends a live message once and counts it unread elsewhere', async () => {
    const { model } = await setUp({
      'GET /chat/conversations': () => [conversation(0)]
    });

    socket().receive({
      type: 'message',
      conversation_id: 'c1',
      message: message('m9')
    });
    socket().receive({
      type: 'message',
      conversation_id: 'c1',
      message: message('m10', 'u1')
    });
    await flush();

    expect(model.conversations[0].unread).toBe(1);
    expect(model.conversations[0].last_message?.id).toBe('m10');
  });

  it('pages back with before= the oldest loaded message', async () => {
    const { model, requests } = await setUp({
      'GET /chat/conversations/c1/messages?before=m1': () => ({
        messages: [message('m0')],
        has_more: false
      }),
      'GET /chat/conversations/c1/messages': () => ({
        messages: [message('m1'), message('m2')],
        has_more: true
      }),
      'GET /chat/conversations': () => [conversation(0)]
    });
    await model.select('c1');

    await model.loadOlder('c1');

    expect(requests).toContain(
      'GET /chat/conversations/c1/messages?before=m1&limit=2'
    );
    expect(model.history('c1')).toMatchObject({ hasMore: false });
    expect(model.history('c1')!.messages.map(m => m.id)).toEqual([
      'm0',
      'm1',
      'm2'
    ]);
  });

  it('drops a conversation the caller was removed from', async () => {
    const { model } = await setUp({
      'GET /chat/conversations': () => [conversation(2)]
    });

    socket().receive({ type: 'removed', conversation_id: 'c1' });
    await flush();

    expect(model.conversations).toEqual([]);
  });

  it('marks a conversation read when it is opened', async () => {
    const { model, requests } = await setUp({
      'GET /chat/conversations/c1/messages': () => ({
        messages: [],
        has_more: false
      }),
      'POST /chat/conversations/c1/read': () => ({
        conversation_id: 'c1',
        unread: 0
      }),
      'GET /chat/conversations': () => [conversation(3)]
    });

    await model.select('c1');

    expect(requests).toContain('POST /chat/conversations/c1/read');
    expect(model.conversations[0].unread).toBe(0);
  });
});
