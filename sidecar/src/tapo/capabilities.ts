/**
 * What a device can do, read from its own component list (getAppComponentList, or a hub child's
 * getChildDeviceComponentList), never guessed from its model name: a TC40 lists `ptz` and
 * `patrol` although no model list would have it (recordings/sensors sheet §1.1, hub sheet §3.4).
 */

export interface Capabilities {
  ptz: boolean;
  patrol: boolean;
  /** Lens mask ("privacy mode"). */
  privacy: boolean;
  motionDetection: boolean;
  personDetection: boolean;
  battery: boolean;
  /** A card slot (`sdCard`). */
  sdCard: boolean;
}

/** The components each capability needs (any one of them is enough). */
const NEEDS: Record<keyof Capabilities, readonly string[]> = {
  ptz: ['ptz'],
  patrol: ['patrol'],
  privacy: ['lensMask'],
  motionDetection: ['detection'],
  personDetection: ['personDetection'],
  battery: ['battery'],
  sdCard: ['sdCard'],
};

/** Capabilities from a component list (name → version); null when the device sent none. */
export function capabilitiesOf(components: Readonly<Record<string, number>> | null | undefined): Capabilities | null {
  if (!components) {
    return null;
  }
  const has = (names: readonly string[]) => names.some((n) => Object.hasOwn(components, n));
  return {
    ptz: has(NEEDS.ptz),
    patrol: has(NEEDS.patrol),
    privacy: has(NEEDS.privacy),
    motionDetection: has(NEEDS.motionDetection),
    personDetection: has(NEEDS.personDetection),
    battery: has(NEEDS.battery),
    sdCard: has(NEEDS.sdCard),
  };
}
