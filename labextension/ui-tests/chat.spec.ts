import {
  expect,
  expectSignedInAs,
  failOnDialog,
  JUPYTER_USER,
  newAccount,
  newLab,
  openChatPanel,
  openLab,
  registerWithForm,
  send,
  signOut,
  startConversation,
  test,
  unique,
  waitForLab
} from './helpers';

test('a message sent in a conversation appears live for the other member', async ({
  browser,
  steps
}) => {
  const title = `Study group ${unique()}`;
  const classmate = newAccount('Second Student');

  // Ada: JupyterLab's own student, signed in by Jupyter.
  const ada = await newLab(browser, 'chat-ada');
  await expectSignedInAs(ada.page, JUPYTER_USER);

  // Bea: another browser, who signs out and creates her own account.
  const bea = await newLab(browser, 'chat-bea');
  await expectSignedInAs(bea.page, JUPYTER_USER);
  await signOut(bea.page);
  await registerWithForm(bea.page, classmate);
  const beaChat = await openChatPanel(bea.page);
  await expect(beaChat.getByTestId('learnflow-chat-status')).toHaveText(
    'Connected'
  );
  await expect(beaChat.getByTestId('learnflow-conversation')).toHaveCount(0);
  await steps.shot(bea.page, 'second student registered, no conversations');

  const adaChat = await startConversation(ada.page, title, [classmate.email]);
  await send(adaChat, 'Hello Bea, shall we do the loops exercises together?');
  await expect(adaChat.getByTestId('learnflow-message')).toHaveCount(1);
  await steps.shot(ada.page, 'first student started a conversation and wrote');

  // Bea's panel gets the conversation and its unread message, without reload.
  const conversation = beaChat.getByTestId('learnflow-conversation');
  await expect(conversation).toHaveCount(1);
  await expect(conversation).toContainText(title);
  await expect(
    conversation.getByTestId('learnflow-conversation-unread')
  ).toHaveText('1');
  await steps.shot(
    bea.page,
    'conversation arrived live with an unread message'
  );

  await conversation.click();
  const beaMessages = beaChat.getByTestId('learnflow-message');
  await expect(beaMessages).toHaveCount(1);
  await expect(beaMessages.first()).toContainText(
    'Hello Bea, shall we do the loops exercises together?'
  );
  await expect(beaMessages.first()).toContainText(JUPYTER_USER);

  // While Bea looks at the conversation, the next message shows up by itself.
  await send(adaChat, 'I will start with **FizzBuzz**.');
  await expect(beaMessages).toHaveCount(2);
  await expect(beaMessages.nth(1).locator('strong')).toHaveText('FizzBuzz');
  await steps.shot(bea.page, 'second message appeared live');

  await send(beaChat, 'Sounds good!');
  await expect(adaChat.getByTestId('learnflow-message')).toHaveCount(3);
  await expect(adaChat.getByTestId('learnflow-message').nth(2)).toContainText(
    'Sounds good!'
  );
  await steps.shot(ada.page, 'the reply appeared live for the first student');

  await ada.context.close();
  await bea.context.close();
});

test('a message with HTML shows as text and creates no element', async ({
  page,
  steps
}) => {
  const dialogs = failOnDialog(page);
  const payload = '<img src=x onerror=alert(1)>';

  await openLab(page, 'markdown-safety');
  await expectSignedInAs(page, JUPYTER_USER);
  const chat = await startConversation(page, `Safety ${unique()}`, []);
  await send(chat, payload);

  const message = chat.getByTestId('learnflow-message');
  await expect(message).toHaveCount(1);
  const body = message.locator('.jp-LearnFlow-message-body');
  await expect(body).toHaveText(payload);
  await expect(
    chat.getByTestId('learnflow-message-list').locator('img')
  ).toHaveCount(0);
  expect(
    await page.evaluate(() =>
      Array.from(document.querySelectorAll('img')).some(
        img => img.getAttribute('src') === 'x' || img.hasAttribute('onerror')
      )
    )
  ).toBe(false);

  // Reloading renders it from the stored history, just as safely.
  await page.reload();
  await waitForLab(page);
  const again = await openChatPanel(page);
  await again.getByTestId('learnflow-conversation').first().click();
  await expect(
    again.getByTestId('learnflow-message').locator('.jp-LearnFlow-message-body')
  ).toHaveText(payload);
  await expect(
    again.getByTestId('learnflow-message-list').locator('img')
  ).toHaveCount(0);
  await steps.shot(page, 'html shown as text');
  expect(dialogs).toEqual([]);
});
