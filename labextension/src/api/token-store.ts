const KEY_PREFIX = 'learnflow:token:';

/**
 * Keeps the bearer token of each LearnFlow API URL in `localStorage`, so a
 * page reload keeps the session of the server it belongs to.
 */
export class TokenStore {
  constructor(storage: Storage | null = TokenStore.defaultStorage()) {
    this._storage = storage;
  }

  /** Return the stored token for an API URL, or `null`. */
  get(apiUrl: string): string | null {
    try {
      return this._storage?.getItem(KEY_PREFIX + apiUrl) ?? null;
    } catch {
      return null;
    }
  }

  /** Store a token for an API URL; `null` forgets it. */
  set(apiUrl: string, token: string | null): void {
    try {
      if (token === null) {
        this._storage?.removeItem(KEY_PREFIX + apiUrl);
      } else {
        this._storage?.setItem(KEY_PREFIX + apiUrl, token);
      }
    } catch {
      // Storage may be full or forbidden (private mode): memory still works.
    }
  }

  /** Return the page's `localStorage`, or `null` where there is none. */
  static defaultStorage(): Storage | null {
    try {
      return typeof localStorage === 'undefined' ? null : localStorage;
    } catch {
      return null;
    }
  }

  private _storage: Storage | null;
}
