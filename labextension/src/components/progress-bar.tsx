import React from 'react';

const BAR_CLASS = 'jp-LearnFlow-progressBar';

/** A labelled progress bar for a value between 0 and 100. */
export function ProgressBar(props: {
  value: number;
  label: string;
}): JSX.Element {
  const value = Math.round(Math.min(100, Math.max(0, props.value)));
  return (
    <div
      className={BAR_CLASS}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value}
      title={`${props.label}: ${value}%`}
    >
      <div className={`${BAR_CLASS}-fill`} style={{ width: `${value}%` }} />
    </div>
  );
}
