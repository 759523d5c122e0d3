import {
  expect,
  expectSignedInAs,
  holdableChatSocket,
  JUPYTER_USER,
  newAccount,
  openLab,
  send,
  setLearnFlowSettings,
  startConversation,
  test,
  unique
} from './helpers';
import { restartServer } from './server-control';

// Reconnect at most a second after each failed attempt, not up to 30 s.
test.beforeEach(async () => {
  await setLearnFlowSettings({ chatReconnectMaxDelayS: 1 });
});

test.afterEach(async () => {
  await setLearnFlowSettings({});
});

test('chat panel reconnects by itself after the server restarts and shows what was missed', async ({
  page,
  steps,
  api
}) => {
  const classmate = newAccount('Restart Classmate');
  await api.register(classmate);
  const classmateToken = await api.login(classmate);
  const chatSocket = await holdableChatSocket(page);
  await openLab(page, 'chat-reconnect');
  await expectSignedInAs(page, JUPYTER_USER);
  const chat = await startConversation(page, `Restart ${unique()}`, [
    classmate.email
  ]);
  const status = chat.getByTestId('learnflow-chat-status');
  const messages = chat.getByTestId('learnflow-message');
  await send(chat, 'Is anyone there before the restart?');
  const [conversation] = await api.conversations(classmateToken);
  await steps.shot(page, 'connected, one message');

  // The server goes away; while it is back but the panel has not yet
  // reconnected, the classmate writes a message the socket cannot deliver.
  chatSocket.hold();
  await restartServer({
    whileDown: async () => {
      await expect(status).toHaveText(/^(Reconnecting|Connecting)…$/);
      await steps.shot(page, 'server stopped, chat not connected');
    }
  });
  await api.postMessage(
    classmateToken,
    conversation.id,
    'Written while your chat was offline.'
  );
  await expect(status).not.toHaveText('Connected');
  await expect(messages).toHaveCount(1);
  await steps.shot(page, 'server back, chat not yet reconnected');
  const catchUp = page.waitForRequest(
    request =>
      request
        .url()
        .includes(`/chat/conversations/${conversation.id}/messages`) &&
      new URL(request.url()).searchParams.has('after')
  );
  chatSocket.release();

  // Under the 1 s backoff ceiling, plus the connection itself.
  await expect(status).toHaveText('Connected', { timeout: 10_000 });
  await catchUp;
  await expect(messages).toHaveCount(2);
  await expect(messages.nth(1)).toContainText(
    'Written while your chat was offline.'
  );
  await steps.shot(page, 'reconnected, missed message caught up');
  await api.postMessage(
    classmateToken,
    conversation.id,
    'And this one arrives live.'
  );
  await expect(messages).toHaveCount(3);
  await expect(messages.nth(2)).toContainText('And this one arrives live.');
  await steps.shot(page, 'message after the restart arrived live');
});
