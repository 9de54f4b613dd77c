import { deriveCameraId, validateSettings } from './settingsValidation';

const camera = (over: object = {}) => ({ id: 'front', name: 'Front', host: '10.0.0.2', ...over });

describe('deriveCameraId', () => {
  it('makes a lower-case ASCII slug from the name', () => {
    expect(deriveCameraId('Front Door (Porch)', [])).toBe('front-door-porch');
    expect(deriveCameraId('Garáge №2', [])).toBe('garage-no2');
    expect(deriveCameraId('!!!', [])).toBe('camera');
  });

  it('stays unique among the other cameras', () => {
    expect(deriveCameraId('Front', ['front', 'front-2'])).toBe('front-3');
  });
});

describe('validateSettings', () => {
  it('accepts a complete camera and empty optional fields', () => {
    expect(validateSettings({ cameras: [camera()] })).toEqual({});
    expect(validateSettings({})).toEqual({});
  });

  it('flags duplicate ids on the later camera, naming the first', () => {
    const errors = validateSettings({ cameras: [camera(), camera({ name: 'Other' })] });
    expect(errors).toEqual({ 'cameras.1.id': 'Id "front" is already used by camera 1 (Front)' });
  });

  it('flags missing and malformed fields', () => {
    const errors = validateSettings({
      cameras: [
        camera({ id: '', name: ' ', host: '' }),
        camera({ id: 'a b', host: 'http://10.0.0.2/', pollIntervalSeconds: 100_000, onvifPort: 70000 }),
        camera({ id: 'c', rtspUrlOverride: 'http://x' }),
        camera({ id: 'd', rtspUrlOverride: 'rtsp://user:secret@go2rtc:8554/d' }),
      ],
    });
    expect(errors['cameras.0.id']).toBe('Id is required');
    expect(errors['cameras.0.name']).toBe('Name is required');
    expect(errors['cameras.0.host']).toMatch(/Host is required/);
    expect(errors['cameras.1.id']).toMatch(/letters, digits/);
    expect(errors['cameras.1.host']).toMatch(/without http:\/\//);
    expect(errors['cameras.1.pollIntervalSeconds']).toBe(
      'Poll interval must be a whole number of seconds from 1 to 86400'
    );
    expect(errors['cameras.1.onvifPort']).toMatch(/1 to 65535/);
    expect(errors['cameras.2.rtspUrlOverride']).toMatch(/rtsp:\/\//);
    expect(errors['cameras.3.rtspUrlOverride']).toMatch(/Leave credentials out of the URL/);
  });

  it('accepts hosts with ports and IPv6 literals', () => {
    expect(
      validateSettings({ cameras: [camera({ host: 'cam.local:8443' }), camera({ id: 'b', host: '[fe80::1]' })] })
    ).toEqual({});
  });

  it('checks the defaults', () => {
    expect(
      validateSettings({ retentionHours: 0, defaultPollIntervalSeconds: 1.5, liveFps: 11, liveWidth: 2000 })
    ).toEqual({
      retentionHours: expect.stringMatching(/Retention/),
      defaultPollIntervalSeconds: expect.stringMatching(/Poll interval/),
      liveFps: 'Live frame rate must be a whole number from 1 to 10',
      liveWidth: 'Live frame width must be a whole number of pixels from 160 to 1280',
    });
  });
});
