import { Signal } from '@lumino/signaling';
import { act, createElement } from 'react';
import { createRoot } from 'react-dom/client';

import { useSignal } from '../src/components/use-signal';

// React reports renders outside act() unless told that this is a test.
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

/** A value kept outside React, with a signal for its changes. */
class Store {
  value = 'loading';
  changed = new Signal<this, void>(this);

  set(value: string): void {
    this.value = value;
    this.changed.emit();
  }
}

describe('useSignal', () => {
  it('shows a change signalled between the first render and the subscription', async () => {
    const store = new Store();
    let renders = 0;
    const View = () => {
      useSignal(store.changed);
      renders += 1;
      const shown = store.value;
      if (renders === 1) {
        // As a fetch finishing after this render, before React runs its effects.
        store.set('loaded');
      }
      return createElement('span', null, shown);
    };
    const host = document.createElement('div');
    const root = createRoot(host);

    await act(async () => {
      root.render(createElement(View));
    });

    expect(host.textContent).toBe('loaded');
    act(() => root.unmount());
  });

  it('renders again each time the signal fires', async () => {
    const store = new Store();
    const View = () => {
      useSignal(store.changed);
      return createElement('span', null, store.value);
    };
    const host = document.createElement('div');
    const root = createRoot(host);
    await act(async () => {
      root.render(createElement(View));
    });

    await act(async () => store.set('first'));
    await act(async () => store.set('second'));

    expect(host.textContent).toBe('second');
    act(() => root.unmount());
  });
});
