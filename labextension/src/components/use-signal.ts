import { ISignal } from '@lumino/signaling';
import { useEffect, useReducer } from 'react';

/** Render the component again each time the signal fires. */
export function useSignal<T>(signal: ISignal<T, unknown>): void {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const slot = () => rerender();
    signal.connect(slot);
    // The signal may have fired between the render and this subscription,
    // which runs later: render once more so that change is not missed.
    rerender();
    return () => {
      signal.disconnect(slot);
    };
  }, [signal]);
}
