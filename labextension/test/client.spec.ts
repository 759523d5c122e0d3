import { LearnFlowClient } from '../src/api/client';
import { LearnFlowApiError } from '../src/api/errors';
import { TokenStore } from '../src/api/token-store';
import { fakeResponse, MemoryStorage } from './fakes';

const API = 'http://localhost:8888/learnflow/api';
const ADA = {
  id: 'u1',
  email: 'ada@example.org',
  name: 'Ada',
  role: 'student'
};

function makeClient(
  fetch: LearnFlowClient.FetchFunction,
  storage = new MemoryStorage(),
  jupyterRequest?: LearnFlowClient.FetchFunction
) {
  return new LearnFlowClient({
    apiUrl: API,
    fetch,
    jupyterRequest,
    tokenStore: new TokenStore(storage)
  });
}

describe('LearnFlowClient', () => {
  it('maps an error body to a LearnFlowApiError with status, code and message', async () => {
    const client = makeClient(async () =>
      fakeResponse(401, {
        code: 'invalid_credentials',
        message: 'wrong email or password',
        reason: 'Unauthorized',
        details: []
      })
    );

    const failure = client.login('ada@example.org', 'nope');

    await expect(failure).rejects.toBeInstanceOf(LearnFlowApiError);
    await expect(failure).rejects.toMatchObject({
      status: 401,
      code: 'invalid_credentials',
      message: 'wrong email or password'
    });
  });

  it('keeps the status line when the error body is not JSON', async () => {
    const client = makeClient(async () => fakeResponse(502, '<html>'));

    const failure = client.request('GET', '/modules');

    await expect(failure).rejects.toMatchObject({
      status: 502,
      code: 'http_error',
      message: '502 Bad Gateway'
    });
  });

  it('turns a network failure into status 0', async () => {
    const client = makeClient(async () => {
      throw new TypeError('Failed to fetch');
    });

    const failure = client.request('GET', '/modules');

    await expect(failure).rejects.toMatchObject({
      status: 0,
      code: 'network_error'
    });
  });

  it('stores the token per API URL and sends it as a bearer', async () => {
    const storage = new MemoryStorage();
    const seen: RequestInit[] = [];
    const client = makeClient(async (url, init) => {
      seen.push(init);
      return url.endsWith('/auth/login')
        ? fakeResponse(200, {
            access_token: 't1',
            token_type: 'bearer',
            user: ADA
          })
        : fakeResponse(200, []);
    }, storage);

    await client.login('ada@example.org', 'secret');
    await client.request('GET', '/modules');

    expect(storage.getItem(`learnflow:token:${API}`)).toBe('t1');
    expect((seen[1].headers as Record<string, string>).Authorization).toBe(
      'Bearer t1'
    );
  });

  it('restores a stored session after a reload', async () => {
    const storage = new MemoryStorage();
    storage.setItem(`learnflow:token:${API}`, 't1');
    const client = makeClient(async () => fakeResponse(200, ADA), storage);

    const user = await client.restore();

    expect(user).toEqual(ADA);
    expect(client.token).toBe('t1');
  });

  it('forgets the token and signals sign-out on a 401', async () => {
    const storage = new MemoryStorage();
    storage.setItem(`learnflow:token:${API}`, 't1');
    let answer = fakeResponse(200, ADA);
    const client = makeClient(async () => answer, storage);
    await client.restore();
    const changes: unknown[] = [];
    client.userChanged.connect((_, user) => changes.push(user));
    answer = fakeResponse(401, { code: 'invalid_token', message: 'expired' });

    await expect(client.request('GET', '/auth/me')).rejects.toThrow('expired');

    expect(client.token).toBeNull();
    expect(storage.getItem(`learnflow:token:${API}`)).toBeNull();
    expect(changes).toEqual([null]);
  });

  it('signs in as the Jupyter user when the server vouches', async () => {
    const jupyter = jest.fn(async () =>
      fakeResponse(200, { access_token: 'j1', token_type: 'bearer', user: ADA })
    );
    const client = makeClient(
      async () => fakeResponse(500),
      undefined,
      jupyter
    );

    const user = await client.signInWithJupyter();

    expect(user).toEqual(ADA);
    expect(client.token).toBe('j1');
    expect(jupyter).toHaveBeenCalledWith(
      `${API}/auth/jupyter`,
      expect.objectContaining({ method: 'POST', body: '{}' })
    );
  });

  it.each([401, 403, 404])(
    'falls back to the form when Jupyter sign-in answers %i',
    async status => {
      const client = makeClient(
        async () => fakeResponse(500),
        undefined,
        async () => fakeResponse(status, { code: 'x', message: 'no' })
      );

      const user = await client.signInWithJupyter();

      expect(user).toBeNull();
      expect(client.token).toBeNull();
    }
  );

  it('signs in through the hub with an earlier hub sign-in', async () => {
    const seen: string[] = [];
    const client = makeClient(async url => {
      seen.push(url);
      return fakeResponse(200, { access_token: 'h1', user: ADA });
    });

    const user = await client.signInWithHub();

    expect(user).toEqual(ADA);
    expect(client.token).toBe('h1');
    expect(seen).toEqual([`${API}/auth/hub`]);
  });

  it("goes through the hub's OAuth when there is no hub sign-in yet", async () => {
    const seen: string[] = [];
    const client = makeClient(async url => {
      seen.push(url);
      return url.endsWith('/auth/hub')
        ? fakeResponse(401, { code: 'hub_sign_in_required', message: 'no' })
        : fakeResponse(200, { access_token: 'h2', user: ADA });
    });

    const user = await client.signInWithHub();

    expect(user).toEqual(ADA);
    expect(client.token).toBe('h2');
    expect(seen).toEqual([`${API}/auth/hub`, `${API}/auth/hub/login`]);
  });

  it('names the hub user when it asks for an earlier hub sign-in', async () => {
    const seen: string[] = [];
    const client = makeClient(async url => {
      seen.push(url);
      return fakeResponse(200, { access_token: 'h3', user: ADA });
    });

    await client.signInWithHub('ada lovelace');

    expect(seen).toEqual([`${API}/auth/hub?user=ada%20lovelace`]);
  });

  it('keeps the token under its own key when given one', async () => {
    const storage = new MemoryStorage();
    const client = new LearnFlowClient({
      apiUrl: API,
      fetch: async () => fakeResponse(200, { access_token: 'h4', user: ADA }),
      tokenStore: new TokenStore(storage),
      tokenKey: `${API}#ada`
    });

    await client.signInWithHub('ada');

    expect(storage.getItem(`learnflow:token:${API}#ada`)).toBe('h4');
    expect(storage.getItem(`learnflow:token:${API}`)).toBeNull();
  });

  it('falls back to the form when the hub answers with a page', async () => {
    const client = makeClient(async url =>
      url.endsWith('/auth/hub')
        ? fakeResponse(401, { code: 'hub_sign_in_required', message: 'no' })
        : fakeResponse(200, '<html>Authorize access</html>')
    );

    const user = await client.signInWithHub();

    expect(user).toBeNull();
    expect(client.token).toBeNull();
  });

  it('forgets the token on sign-out even when the server fails', async () => {
    const storage = new MemoryStorage();
    storage.setItem(`learnflow:token:${API}`, 't1');
    const client = makeClient(async () => fakeResponse(500, {}), storage);

    await expect(client.logout()).rejects.toBeInstanceOf(LearnFlowApiError);

    expect(client.token).toBeNull();
    expect(storage.getItem(`learnflow:token:${API}`)).toBeNull();
  });
});

describe('LearnFlowClient extra headers', () => {
  it('adds the extra headers to every request', async () => {
    const seen: RequestInit[] = [];
    const client = new LearnFlowClient({
      apiUrl: API,
      tokenStore: new TokenStore(new MemoryStorage()),
      extraHeaders: () => ({ 'X-XSRFToken': 'x1' }),
      fetch: async (_, init) => {
        seen.push(init);
        return fakeResponse(200, []);
      }
    });

    await client.request('GET', '/modules');

    expect(seen[0].headers).toMatchObject({ 'X-XSRFToken': 'x1' });
  });
});
