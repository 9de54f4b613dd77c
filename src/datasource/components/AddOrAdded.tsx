/** One cell for discovery and a hub's list: an Add button, or "Added" once the camera is in the datasource. */
import { Button, Text } from '@grafana/ui';
import React from 'react';

interface Props {
  /** Words saying it is already in the list (e.g. "Added as camera 2"); empty offers the Add button. */
  added?: string | null;
  /** The button's accessible name, e.g. "Add 10.0.0.9". */
  label: string;
  onAdd: () => void;
}

/** The last cell of a row found elsewhere (discovery, a hub's list): Add it, or where it already is. */
export function AddOrAdded({ added, label, onAdd }: Props) {
  return added ? (
    <Text color="secondary">{added}</Text>
  ) : (
    <Button size="sm" icon="plus" aria-label={label} onClick={onAdd}>
      Add
    </Button>
  );
}
