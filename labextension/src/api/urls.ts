/**
 * Resolve the API URL: the `apiUrl` setting, else the one the server names
 * (a JupyterHub user's server names the hub's LearnFlow service), else this
 * server's own.
 */
export function resolveApiUrl(
  setting: string,
  jupyterBaseUrl: string,
  serverChoice = ''
): string {
  const chosen =
    setting.trim() ||
    serverChoice.trim() ||
    joinUrl(jupyterBaseUrl, 'learnflow/api');
  return chosen.replace(/\/+$/, '');
}

/** Whether the API lives on the page's own origin (so Jupyter can vouch). */
export function isSameOrigin(apiUrl: string, pageUrl: string): boolean {
  try {
    return new URL(apiUrl, pageUrl).origin === new URL(pageUrl).origin;
  } catch {
    return false;
  }
}

/** The chat WebSocket's URL: ws or wss, matching the API's scheme. */
export function chatSocketUrl(apiUrl: string, pageUrl: string): string {
  const url = new URL(apiUrl + '/chat/ws', pageUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** Join a base URL and a path with exactly one slash between them. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

/** Build a query string from the defined values, `?`-prefixed or empty. */
export function query(params: Record<string, string | number | undefined>) {
  const entries = Object.entries(params).filter(
    (entry): entry is [string, string | number] => entry[1] !== undefined
  );
  if (entries.length === 0) {
    return '';
  }
  return (
    '?' +
    entries
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&')
  );
}
