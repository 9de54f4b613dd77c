/**
 * A password-like setting of one camera (cloud password, camera account password, restream user
 * and password), stored by Grafana in secureJsonData: shown as "configured" once saved, reset to
 * type a new one, and disabled when the keys under this id belong to another row.
 */
import { Field, SecretInput } from '@grafana/ui';
import React from 'react';

export interface SecretState {
  configured: boolean;
  value: string;
  /** Another row holds this camera's id: its secret keys are not this row's to show or change. */
  locked?: boolean;
}

interface Props {
  id: string;
  label: string;
  description: string;
  placeholder: string;
  state: SecretState;
  onChange: (value: string) => void;
  onReset: () => void;
}

export function SecretField({ id, label, description, placeholder, state, onChange, onReset }: Props) {
  return (
    <Field label={label} description={description}>
      <SecretInput
        id={id}
        disabled={state.locked}
        width={40}
        isConfigured={state.configured}
        value={state.value}
        placeholder={placeholder}
        onChange={(e) => onChange(e.currentTarget.value)}
        onReset={onReset}
      />
    </Field>
  );
}
