/**
 * A whole-number setting of the config editor (poll interval, retention, live picture rate and
 * width, ONVIF port): label, description, the default as placeholder and the validation error.
 * Empty means "use the default" (undefined); text that is no number is stored as nothing too.
 */
import { Field, Input } from '@grafana/ui';
import React from 'react';

interface Props {
  id: string;
  label: string;
  description?: string;
  value: number | undefined;
  /** The default the sidecar applies when the field is empty. */
  placeholder: number;
  error?: string;
  onChange: (value: number | undefined) => void;
}

export function numberOrUndefined(text: string): number | undefined {
  if (text.trim() === '') {
    return undefined;
  }
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

export function NumberField({ id, label, description, value, placeholder, error, onChange }: Props) {
  return (
    <Field label={label} description={description} invalid={Boolean(error)} error={error}>
      <Input
        id={id}
        type="number"
        width={16}
        placeholder={String(placeholder)}
        value={value ?? ''}
        onChange={(e) => onChange(numberOrUndefined(e.currentTarget.value))}
      />
    </Field>
  );
}
