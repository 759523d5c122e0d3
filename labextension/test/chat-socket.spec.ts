import { ChatSocket } from '../src/chat/chat-socket';
import { ChatEvent } from '../src/chat/chat-events';
import { FakeWebSocket, ManualTimers } from './fakes';

const USER = { id: 'u1', email: 'a@b.c', name: 'Ada', role: 'student' };

function makeSocket(timers = new ManualTimers()) {
  FakeWebSocket.instances = [];
  const socket = new ChatSocket({
    url: 'ws://h/learnflow/api/chat/ws',
    token: 'tok',
    WebSocket: FakeWebSocket,
    initialDelayMs: 1000,
    maxDelayMs: 8000,
    pingIntervalMs: 60000,
    random: () => 0,
    timers
  });
  return { socket, timers };
}

const latest = () =>
  FakeWebSocket.instances[FakeWebSocket.instances.length - 1];

describe('ChatSocket', () => {
  it('signs in with the chat and bearer subprotocols', () => {
    const { socket } = makeSocket();

    socket.open();

    expect(latest().protocols).toEqual([
      'learnflow.chat.v1',
      'learnflow.bearer.tok'
    ]);
  });

  it('hands out each known event and ignores unreadable frames', () => {
    const { socket } = makeSocket();
    const events: ChatEvent[] = [];
    socket.event.connect((_, event) => events.push(event));
    socket.open();

    latest().receive({ type: 'ready', user: USER });
    latest().onmessage?.({ data: 'not json' });
    latest().receive({ type: 'surprise' });
    latest().receive({ type: 'removed', conversation_id: 'c1' });

    expect(events.map(e => e.type)).toEqual(['ready', 'removed']);
    expect(socket.status).toBe('open');
  });

  it('reconnects with doubling delays up to the maximum', () => {
    const { socket, timers } = makeSocket();
    socket.open();
    const delays: number[] = [];

    for (let i = 0; i < 5; i++) {
      latest().drop();
      delays.push(timers.runNext());
    }

    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(FakeWebSocket.instances).toHaveLength(6);
  });

  it('starts the delays again after a connection that worked', () => {
    const { socket, timers } = makeSocket();
    socket.open();
    latest().drop();
    timers.runNext();
    latest().drop();
    timers.runNext();

    latest().receive({ type: 'ready', user: USER });
    latest().drop();

    expect(timers.runNext()).toBe(1000);
  });

  it('marks the second ready as a reconnection', () => {
    const { socket, timers } = makeSocket();
    socket.open();
    latest().receive({ type: 'ready', user: USER });
    const first = socket.isReconnect;

    latest().drop();
    timers.runNext();
    latest().receive({ type: 'ready', user: USER });

    expect(first).toBe(false);
    expect(socket.isReconnect).toBe(true);
  });

  it('stops for good when the token is refused', () => {
    const { socket, timers } = makeSocket();
    socket.open();

    latest().drop(4401);

    expect(socket.status).toBe('unauthorized');
    expect(timers.pending.size).toBe(0);
  });

  it('does not reconnect after close()', () => {
    const { socket, timers } = makeSocket();
    socket.open();
    const first = latest();

    socket.close();
    first.drop();

    expect(first.closedWith).toBe(1000);
    expect(timers.pending.size).toBe(0);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('pings, and reconnects when no pong comes back', () => {
    const { socket, timers } = makeSocket();
    socket.open();
    latest().receive({ type: 'ready', user: USER });
    const first = latest();

    timers.runNext();
    timers.runNext();

    expect(first.sent).toEqual([JSON.stringify({ type: 'ping' })]);
    expect(first.closedWith).toBe(4000);
    expect(socket.status).toBe('reconnecting');
  });
});
