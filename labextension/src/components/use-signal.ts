import { ISignal } from '@lumino/signaling';
import { useEffect, useReducer } from 'react';

/** Render the component again each time the signal fires. */
export function useSignal<T>(signal: ISignal<T, unknown>): void {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const slot = () => rerender();
    signal.connect(slot);
    return () => {
      signal.disconnect(slot);
    };
  }, [signal]);
}
