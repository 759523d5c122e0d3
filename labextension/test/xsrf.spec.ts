import { xsrfHeaders } from '../src/api/xsrf';

describe('xsrfHeaders', () => {
  it('reads the XSRF header from the _xsrf cookie', () => {
    expect(xsrfHeaders('theme=dark; _xsrf=2%7Cabc; other=1')).toEqual({
      'X-XSRFToken': '2|abc'
    });
  });

  it('takes the last of duplicate cookies, as the server does', () => {
    expect(xsrfHeaders('_xsrf=A; _xsrf=B')).toEqual({ 'X-XSRFToken': 'B' });
  });

  it('adds nothing without the cookie', () => {
    expect(xsrfHeaders('theme=dark')).toEqual({});
  });
});
