/** Test helper: lets a mocked call's promise settle inside React's act(). */
import { act } from '@testing-library/react';

/**
 * Waits, inside act(), for the promises a mock has returned: the component's own handlers were
 * attached first, so its state updates have happened when this resolves.
 */
export async function settleMock(mock: jest.Mock): Promise<void> {
  await act(async () => {
    await Promise.allSettled(mock.mock.results.map((r) => r.value));
  });
}
