/**
 * Answer bodies of the simulated device, shaped after the ONVIF device and media WSDLs
 * (ver10): element names, nesting and attributes as real Profile S cameras send them.
 */
import { escapeXml as x } from './soap.js';

export interface SimProfile {
  token: string;
  name: string;
  /** H264, H265, JPEG (cheap cameras put H265 in a Media1 answer too). */
  encoding: string;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  govLength: number;
  /** G711, AAC or null for no audio encoder in the profile. */
  audio: string | null;
  /** What GetStreamUri answers for this profile. */
  streamUri: string;
}

export interface SimInfo {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

export function dateTimeBody(cameraNowMs: number): string {
  const d = new Date(cameraNowMs);
  const part = (tag: string, fields: [string, number][]) => `<tt:${tag}>${fields.map(([k, v]) => `<tt:${k}>${v}</tt:${k}>`).join('')}</tt:${tag}>`;
  const utc = `<tt:UTCDateTime>${part('Time', [['Hour', d.getUTCHours()], ['Minute', d.getUTCMinutes()], ['Second', d.getUTCSeconds()]])}`
    + `${part('Date', [['Year', d.getUTCFullYear()], ['Month', d.getUTCMonth() + 1], ['Day', d.getUTCDate()]])}</tt:UTCDateTime>`;
  return `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>
<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>
<tt:TimeZone><tt:TZ>ICT-7</tt:TZ></tt:TimeZone>${utc}
</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`;
}

export function servicesBody(base: string): string {
  const service = (namespace: string, path: string, major: number, minor: number) =>
    `<tds:Service><tds:Namespace>${namespace}</tds:Namespace><tds:XAddr>${base}${path}</tds:XAddr>`
    + `<tds:Version><tt:Major>${major}</tt:Major><tt:Minor>${minor}</tt:Minor></tds:Version></tds:Service>`;
  return `<tds:GetServicesResponse>
${service('http://www.onvif.org/ver10/device/wsdl', '/onvif/device_service', 2, 60)}
${service('http://www.onvif.org/ver10/media/wsdl', '/onvif/media_service', 2, 60)}
</tds:GetServicesResponse>`;
}

export function capabilitiesBody(base: string): string {
  return `<tds:GetCapabilitiesResponse><tds:Capabilities>
<tt:Device><tt:XAddr>${base}/onvif/device_service</tt:XAddr></tt:Device>
<tt:Media><tt:XAddr>${base}/onvif/media_service</tt:XAddr><tt:StreamingCapabilities>
<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>
</tt:StreamingCapabilities></tt:Media>
</tds:Capabilities></tds:GetCapabilitiesResponse>`;
}

export function deviceInformationBody(info: SimInfo): string {
  return `<tds:GetDeviceInformationResponse>
<tds:Manufacturer>${x(info.manufacturer)}</tds:Manufacturer><tds:Model>${x(info.model)}</tds:Model>
<tds:FirmwareVersion>${x(info.firmwareVersion)}</tds:FirmwareVersion><tds:SerialNumber>${x(info.serialNumber)}</tds:SerialNumber>
<tds:HardwareId>${x(info.hardwareId)}</tds:HardwareId>
</tds:GetDeviceInformationResponse>`;
}

function profileXml(p: SimProfile, index: number): string {
  const codecBlock = p.encoding === 'H264' || p.encoding === 'H265'
    ? `<tt:${p.encoding}><tt:GovLength>${p.govLength}</tt:GovLength><tt:${p.encoding}Profile>Main</tt:${p.encoding}Profile></tt:${p.encoding}>`
    : '';
  const audio = p.audio === null ? '' : `<tt:AudioEncoderConfiguration token="AudioEncoder_${index}">
<tt:Name>AudioEncoder_${index}</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>${x(p.audio)}</tt:Encoding>
<tt:Bitrate>64</tt:Bitrate><tt:SampleRate>8</tt:SampleRate><tt:SessionTimeout>PT5S</tt:SessionTimeout>
</tt:AudioEncoderConfiguration>`;
  return `<trt:Profiles token="${x(p.token)}" fixed="true"><tt:Name>${x(p.name)}</tt:Name>
<tt:VideoSourceConfiguration token="VideoSourceConfig_1"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>2</tt:UseCount>
<tt:SourceToken>VideoSource_1</tt:SourceToken><tt:Bounds x="0" y="0" width="${p.width}" height="${p.height}"/></tt:VideoSourceConfiguration>
<tt:VideoEncoderConfiguration token="VideoEncoder_${index}"><tt:Name>VideoEncoder_${index}</tt:Name><tt:UseCount>1</tt:UseCount>
<tt:Encoding>${x(p.encoding)}</tt:Encoding><tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution>
<tt:Quality>4</tt:Quality><tt:RateControl><tt:FrameRateLimit>${p.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>
<tt:BitrateLimit>${p.bitrateKbps}</tt:BitrateLimit></tt:RateControl>${codecBlock}
<tt:SessionTimeout>PT5S</tt:SessionTimeout></tt:VideoEncoderConfiguration>${audio}
</trt:Profiles>`;
}

export function profilesBody(profiles: readonly SimProfile[]): string {
  return `<trt:GetProfilesResponse>${profiles.map(profileXml).join('\n')}</trt:GetProfilesResponse>`;
}

export function mediaUriBody(operation: 'GetStreamUri' | 'GetSnapshotUri', uri: string): string {
  return `<trt:${operation}Response><trt:MediaUri><tt:Uri>${x(uri)}</tt:Uri>
<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>
<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:${operation}Response>`;
}

export function defaultProfiles(mainUri: string, subUri: string): SimProfile[] {
  return [
    { token: 'Profile_1', name: 'mainStream', encoding: 'H264', width: 1920, height: 1080, fps: 25, bitrateKbps: 4096, govLength: 50, audio: 'G711', streamUri: mainUri },
    { token: 'Profile_2', name: 'subStream', encoding: 'H264', width: 640, height: 360, fps: 15, bitrateKbps: 512, govLength: 30, audio: null, streamUri: subUri },
  ];
}
