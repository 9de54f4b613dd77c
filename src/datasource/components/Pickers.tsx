/**
 * The pickers the query, variable and annotation editors share, so a concept is chosen the same way
 * and under the same words everywhere: a labelled multi-select of options (OptionsPicker), the status
 * filter (query and variable editors) and the event fields, kinds and status changes (query and
 * annotation editors).
 */
import type { SelectableValue } from '@grafana/data';
import { InlineField, InlineSwitch, MultiSelect } from '@grafana/ui';
import React from 'react';

import type { CameraStatus, EventKind } from '../../shared/query';
import { EVENT_KIND_OPTIONS, FIELD_LABELS, STATUS_OPTIONS, optionValues, selectedOptions } from './options';

interface OptionsPickerProps<T extends string> {
  label: string;
  inputId: string;
  options: Array<SelectableValue<T>>;
  value: readonly T[] | undefined;
  onChange: (values: T[]) => void;
  placeholder?: string;
  tooltip?: string;
  labelWidth?: number;
  width?: number;
  invalid?: boolean;
  isLoading?: boolean;
  /** Lets a value that is not listed be typed (a model the cameras do not show yet). */
  allowCustomValue?: boolean;
}

/** A labelled multi-select whose stored values stay visible even when no option matches them. */
export function OptionsPicker<T extends string>(props: OptionsPickerProps<T>) {
  return (
    <InlineField
      label={props.label}
      labelWidth={props.labelWidth}
      htmlFor={props.inputId}
      tooltip={props.tooltip}
      invalid={props.invalid}
    >
      <MultiSelect<T>
        inputId={props.inputId}
        width={props.width ?? 32}
        placeholder={props.placeholder}
        options={props.options}
        isLoading={props.isLoading}
        allowCustomValue={props.allowCustomValue}
        value={selectedOptions(props.options, props.value)}
        onChange={(items: Array<SelectableValue<T>>) => props.onChange(optionValues(items))}
      />
    </InlineField>
  );
}

interface StatusPickerProps {
  inputId: string;
  value: CameraStatus[] | undefined;
  onChange: (statuses: CameraStatus[]) => void;
  labelWidth?: number;
  tooltip: string;
}

/** Cameras in some statuses only; empty means any. */
export function StatusPicker(props: StatusPickerProps) {
  return (
    <OptionsPicker<CameraStatus>
      label={FIELD_LABELS.statuses}
      placeholder="Any status"
      options={STATUS_OPTIONS}
      {...props}
    />
  );
}

interface EventFieldsProps {
  inputId: string;
  eventKinds: EventKind[] | undefined;
  /** Whether status changes are answered; the caller decides what an unset value means. */
  statusChanges: boolean;
  onChange: (patch: { eventKinds?: EventKind[]; statusChanges?: boolean }) => void;
}

/** Which events: their kinds (empty means every kind) and whether status changes come too. */
export function EventFields({ inputId, eventKinds, statusChanges, onChange }: EventFieldsProps) {
  return (
    <>
      <OptionsPicker<EventKind>
        label={FIELD_LABELS.eventKinds}
        labelWidth={14}
        inputId={inputId}
        tooltip="Motion, person and doorbell events; empty means every kind"
        placeholder="All kinds"
        options={EVENT_KIND_OPTIONS}
        value={eventKinds}
        onChange={(kinds) => onChange({ eventKinds: kinds })}
      />
      <InlineField label={FIELD_LABELS.statusChanges} tooltip="Also list cameras going offline and coming back">
        <InlineSwitch
          aria-label={FIELD_LABELS.statusChanges}
          value={statusChanges}
          onChange={(e) => onChange({ statusChanges: e.currentTarget.checked })}
        />
      </InlineField>
    </>
  );
}
