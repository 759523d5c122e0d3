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

  it('uses the API the server names when the setting is empty', () => {
    expect(
      resolveApiUrl('', '/user/ada/', '/services/learnflow/learnflow/api')
    ).toBe('/services/learnflow/learnflow/api');
  });

  it('prefers the setting to the API the server names', () => {
    expect(resolveApiUrl('/mine/api', '/user/ada/', '/services/x/api')).toBe(
      '/mine/api'
    );
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
