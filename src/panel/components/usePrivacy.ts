/**
 * The privacy state a tile shows: what the camera reported, replaced by the user's own toggle until the next
 * report.
 */
import { useState } from 'react';

/**
 * A camera's privacy mode as the tile shows it: what the data reports, or what this user just set
 * (until the data reports something new), so the tile's state changes as soon as the camera said yes.
 */
export function usePrivacy(reported: boolean | undefined): [boolean | undefined, (next: boolean) => void] {
  const [set, setSet] = useState<{ value: boolean; basis: boolean | undefined }>();
  const value = set && set.basis === reported ? set.value : reported;
  return [value, (next) => setSet({ value: next, basis: reported })];
}
