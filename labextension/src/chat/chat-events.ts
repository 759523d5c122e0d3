import { IChatMessage, IUser } from '../api/types';

/** What the chat WebSocket sends, one JSON object per frame. */
export type ChatEvent =
  | { type: 'ready'; user: IUser }
  | { type: 'message'; conversation_id: string; message: IChatMessage }
  | { type: 'conversation'; conversation_id: string }
  | { type: 'removed'; conversation_id: string }
  | { type: 'resync' }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string };

const KNOWN = new Set([
  'ready',
  'message',
  'conversation',
  'removed',
  'resync',
  'pong',
  'error'
]);

/** Parse one frame, or return `null` for anything that is not an event. */
export function parseChatEvent(data: unknown): ChatEvent | null {
  if (typeof data !== 'string') {
    return null;
  }
  try {
    const event = JSON.parse(data);
    return event && KNOWN.has(event.type) ? (event as ChatEvent) : null;
  } catch {
    return null;
  }
}
