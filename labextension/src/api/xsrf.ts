/**
 * The header that carries Jupyter's XSRF token, read from its `_xsrf` cookie.
 *
 * Same-origin requests send Jupyter's cookies along, so the server keeps
 * Jupyter's XSRF check for them even when they carry a bearer token without
 * needing it; the header makes them pass. The last cookie of that name
 * wins, as on the server (Tornado keeps the last duplicate).
 */
export function xsrfHeaders(cookie: string): Record<string, string> {
  let token: string | undefined;
  for (const part of cookie.split(';')) {
    const trimmed = part.trim();
    if (trimmed.startsWith('_xsrf=')) {
      token = decodeURIComponent(trimmed.slice('_xsrf='.length));
    }
  }
  return token ? { 'X-XSRFToken': token } : {};
}
