import { ISignal, Signal } from '@lumino/signaling';

import { LearnFlowApiError } from './errors';
import { TokenStore } from './token-store';
import { ILogin, IUser } from './types';
import { joinUrl, query } from './urls';

/**
 * The one door to the LearnFlow server: JSON requests with the bearer token,
 * the signed-in account, and the ways to sign in and out.
 */
export class LearnFlowClient {
  constructor(options: LearnFlowClient.IOptions) {
    this._apiUrl = options.apiUrl;
    this._fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this._tokens = options.tokenStore ?? new TokenStore();
    this._jupyterRequest = options.jupyterRequest ?? null;
    this._extraHeaders = options.extraHeaders ?? (() => ({}));
    this._tokenKey = options.tokenKey ?? options.apiUrl;
    this._token = this._tokens.get(this._tokenKey);
  }

  /** The API's base URL, without a trailing slash. */
  get apiUrl(): string {
    return this._apiUrl;
  }

  /** The bearer token of the session, or `null` when signed out. */
  get token(): string | null {
    return this._token;
  }

  /** The signed-in account, or `null`. */
  get user(): IUser | null {
    return this._user;
  }

  /** Emitted with the new account whenever someone signs in or out. */
  get userChanged(): ISignal<this, IUser | null> {
    return this._userChanged;
  }

  /**
   * Send a JSON request to a path under the API URL and return its answer.
   *
   * A 401 on a request that carried a token ends the session: the token
   * expired or was revoked, and keeping it would fail every later request.
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      ...this._extraHeaders(),
      Accept: 'application/json'
    };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const sentToken = this._token;
    if (sentToken) {
      headers['Authorization'] = `Bearer ${sentToken}`;
    }

    let response: Response;
    try {
      response = await this._fetch(joinUrl(this._apiUrl, path), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body)
      });
    } catch (reason) {
      throw LearnFlowApiError.fromNetworkError(reason);
    }

    if (!response.ok) {
      if (response.status === 401 && sentToken && sentToken === this._token) {
        this._setSession(null, null);
      }
      throw await LearnFlowApiError.fromResponse(response);
    }
    if (response.status === 204) {
      return undefined as T;
    }
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Resume the stored session, if its token is still good.
   *
   * Returns the account, or `null` when there was no token or it was refused.
   */
  async restore(): Promise<IUser | null> {
    if (!this._token) {
      return null;
    }
    try {
      const user = await this.request<IUser>('GET', '/auth/me');
      this._setSession(this._token, user);
      return user;
    } catch (error) {
      if (error instanceof LearnFlowApiError && error.status === 401) {
        return null;
      }
      throw error;
    }
  }

  /**
   * Sign in as the Jupyter user, when the server can vouch for them.
   *
   * Returns `null` when there is no same-origin Jupyter request function or
   * the server answers 401, 403 or 404 (it cannot vouch, or is too old).
   */
  async signInWithJupyter(): Promise<IUser | null> {
    if (!this._jupyterRequest) {
      return null;
    }
    let response: Response;
    try {
      response = await this._jupyterRequest(
        joinUrl(this._apiUrl, '/auth/jupyter'),
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{}'
        }
      );
    } catch (reason) {
      throw LearnFlowApiError.fromNetworkError(reason);
    }
    if ([401, 403, 404].includes(response.status)) {
      return null;
    }
    if (!response.ok) {
      throw await LearnFlowApiError.fromResponse(response);
    }
    const login = (await response.json()) as ILogin;
    this._setSession(login.access_token, login.user);
    return login.user;
  }

  /**
   * Sign in as the person JupyterHub signed in, when the API is a hub service.
   *
   * Asks `GET /auth/hub` first: an earlier hub sign-in may still hold. Else
   * `GET /auth/hub/login` goes through the hub's OAuth, whose redirects the
   * browser follows on the same origin, and ends on `/auth/hub`'s answer.
   * Returns `null` when the hub does not vouch for anyone, or asks the person
   * something first (an HTML page instead of the token). `hubUser` is the hub
   * user whose server this page belongs to.
   */
  async signInWithHub(hubUser = ''): Promise<IUser | null> {
    // Naming the hub user makes a cookie left by someone else count as none.
    const check = hubUser
      ? `/auth/hub${query({ user: hubUser })}`
      : '/auth/hub';
    for (const path of [check, '/auth/hub/login']) {
      let response: Response;
      try {
        response = await this._fetch(joinUrl(this._apiUrl, path), {
          method: 'GET',
          credentials: 'same-origin',
          headers: { Accept: 'application/json' }
        });
      } catch (reason) {
        throw LearnFlowApiError.fromNetworkError(reason);
      }
      if (response.status === 401) {
        continue;
      }
      if (!response.ok) {
        throw await LearnFlowApiError.fromResponse(response);
      }
      const login = parseLogin(await response.text());
      if (login === null) {
        return null;
      }
      this._setSession(login.access_token, login.user);
      return login.user;
    }
    return null;
  }

  /** Sign in with an email and a password. */
  async login(email: string, password: string): Promise<IUser> {
    const login = await this.request<ILogin>('POST', '/auth/login', {
      email,
      password
    });
    this._setSession(login.access_token, login.user);
    return login.user;
  }

  /** Create a student account, then sign in with it. */
  async register(options: LearnFlowClient.IRegistration): Promise<IUser> {
    await this.request<IUser>('POST', '/auth/register', options);
    return this.login(options.email, options.password);
  }

  /** Revoke the token on the server and forget it here, even if that fails. */
  async logout(): Promise<void> {
    if (!this._token) {
      return;
    }
    try {
      await this.request<void>('POST', '/auth/logout');
    } finally {
      this._setSession(null, null);
    }
  }

  private _setSession(token: string | null, user: IUser | null): void {
    this._token = token;
    this._tokens.set(this._tokenKey, token);
    const changed =
      this._user?.id !== user?.id || this._user?.role !== user?.role;
    this._user = user;
    if (changed) {
      this._userChanged.emit(user);
    }
  }

  private _apiUrl: string;
  private _extraHeaders: () => Record<string, string>;
  private _fetch: LearnFlowClient.FetchFunction;
  private _jupyterRequest: LearnFlowClient.FetchFunction | null;
  private _token: string | null;
  private _tokenKey: string;
  private _tokens: TokenStore;
  private _user: IUser | null = null;
  private _userChanged = new Signal<this, IUser | null>(this);
}

/** The token answer in `text`, or `null` if it is something else (a hub page). */
function parseLogin(text: string): ILogin | null {
  try {
    const login = JSON.parse(text) as ILogin;
    return typeof login?.access_token === 'string' && login.user ? login : null;
  } catch {
    return null;
  }
}

export namespace LearnFlowClient {
  export type FetchFunction = (
    input: string,
    init: RequestInit
  ) => Promise<Response>;

  export interface IOptions {
    /** The API's base URL, such as `http://host/learnflow/api`. */
    apiUrl: string;
    /** How to send requests; the global `fetch` by default. */
    fetch?: FetchFunction;
    /**
     * A same-origin request function that carries Jupyter's cookies and
     * XSRF header (`ServerConnection.makeRequest`); without it the client
     * never tries `POST /auth/jupyter`.
     */
    jupyterRequest?: FetchFunction;
    /** Headers to add to every request, such as Jupyter's XSRF header. */
    extraHeaders?: () => Record<string, string>;
    /** Where tokens are kept across reloads. */
    tokenStore?: TokenStore;
    /**
     * What the token is kept under: the API URL by default. On JupyterHub,
     * where every user's JupyterLab shares one origin and so one storage, it
     * also names the hub user, so that nobody resumes another's session.
     */
    tokenKey?: string;
  }

  export interface IRegistration {
    email: string;
    password: string;
    name: string;
  }
}
