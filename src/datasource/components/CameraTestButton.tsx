/**
 * The per-camera Test button of the config editor: one poll of a saved camera through the sidecar
 * (POST `cameras/<id>/test`, which never retries a failed login, so no lockout), answered with what
 * the user must fix: wrong password or Third-Party Compatibility off, unreachable, new firmware login.
 */
import { Alert, Button, Stack, Text } from '@grafana/ui';
import React from 'react';

import { resources, type CameraTestResult } from '../../shared/query';
import { useResourceCall } from './resourceCalls';

interface Props {
  /** The saved datasource; empty before its first save. */
  uid?: string;
  cameraId: string;
  cameraLabel: string;
  /** The sidecar knows the camera under this id: it was saved with it and not changed since. */
  saved: boolean;
}

/** Logs in to one saved camera through the sidecar (one poll) and says what to fix. */
export function CameraTestButton({ uid, cameraId, cameraLabel, saved }: Props) {
  const { state, post } = useResourceCall<CameraTestResult>(uid);
  const canTest = Boolean(uid) && saved;
  const run = () => post(resources.test(cameraId), {});
  return (
    <Stack direction="column" gap={1}>
      <Stack direction="row" alignItems="center" gap={1}>
        <Button
          variant="secondary"
          icon={state.kind === 'running' ? 'spinner' : 'heart-rate'}
          disabled={!canTest || state.kind === 'running'}
          onClick={run}
          aria-label={`Test ${cameraLabel}`}
        >
          Test
        </Button>
        {!canTest && (
          <Text color="secondary" variant="bodySmall">
            Save the datasource first: the sidecar tests cameras as saved.
          </Text>
        )}
      </Stack>
      {state.kind === 'done' && state.answer.ok && (
        <Alert severity="success" title="The camera answers">
          {state.answer.message}
        </Alert>
      )}
      {state.kind === 'done' && !state.answer.ok && (
        <Alert severity="error" title={`To fix: ${state.answer.problem ?? state.answer.status}`}>
          {state.answer.message}
        </Alert>
      )}
      {state.kind === 'error' && (
        <Alert severity="warning" title="The test did not run">
          {state.message}
        </Alert>
      )}
    </Stack>
  );
}
