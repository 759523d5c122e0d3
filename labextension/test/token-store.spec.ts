import { TokenStore } from '../src/api/token-store';
import { MemoryStorage } from './fakes';

describe('TokenStore', () => {
  it('keeps one token per API URL', () => {
    const store = new TokenStore(new MemoryStorage());

    store.set('http://a/api', 'ta');
    store.set('http://b/api', 'tb');

    expect(store.get('http://a/api')).toBe('ta');
    expect(store.get('http://b/api')).toBe('tb');
  });

  it('forgets a token set to null', () => {
    const store = new TokenStore(new MemoryStorage());
    store.set('http://a/api', 'ta');

    store.set('http://a/api', null);

    expect(store.get('http://a/api')).toBeNull();
  });

  it('works without storage, and when storage throws', () => {
    const broken = new MemoryStorage();
    broken.setItem = () => {
      throw new Error('QuotaExceededError');
    };

    expect(() => new TokenStore(broken).set('u', 't')).not.toThrow();
    expect(new TokenStore(null).get('u')).toBeNull();
  });
});
