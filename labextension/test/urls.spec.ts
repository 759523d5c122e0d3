import {
  chatSocketUrl,
  isSameOrigin,
  query,
  resolveApiUrl
} from '../src/api/urls';

describe('API URLs', () => {
  it('uses this server when the setting is empty', () => {
    expect(resolveApiUrl('', '/user/ada/')).toBe('/user/ada/learnflow/api');
  });

  it('keeps a configured URL without its trailing slash', () => {
    expect(resolveApiUrl(' https://lf.example.org/api/ ', '/')).toBe(
      'https://lf.example.org/api'
    );
  });

  it('tells a same-origin API from another server', () => {
    const page = 'http://localhost:8888/lab';

    expect(isSameOrigin('/learnflow/api', page)).toBe(true);
    expect(isSameOrigin('https://lf.example.org/api', page)).toBe(false);
  });

  it.each([
    ['http://h:1/learnflow/api', 'ws://h:1/learnflow/api/chat/ws'],
    ['https://h/learnflow/api', 'wss://h/learnflow/api/chat/ws']
  ])('derives the socket URL of %s', (api, socket) => {
    expect(chatSocketUrl(api, 'http://localhost/')).toBe(socket);
  });

  it('builds a query from the defined values only', () => {
    expect(query({ before: 'm 1', after: undefined, limit: 5 })).toBe(
      '?before=m%201&limit=5'
    );
  });
});
