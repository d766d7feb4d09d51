/** What PAPI can count on this machine, gathered once for event selection and listing. */
import {
  papiComponents,
  papiHardware,
  papiNativeEvents,
  papiPresets,
  papiVersion,
  type PapiComponent,
  type PapiEvent,
  type PapiHardware,
} from '../native/papi.js';

export interface CatalogEvent extends PapiEvent {
  kind: 'preset' | 'native';
}

export interface EventCatalog {
  papiVersion: string;
  hardware: PapiHardware;
  components: PapiComponent[];
  /** Presets first, then native events by component, in PAPI's order. */
  events: CatalogEvent[];
}

export function loadEventCatalog(): EventCatalog {
  const presets = papiPresets().map((e): CatalogEvent => ({ ...e, kind: 'preset' }));
  const natives = papiNativeEvents().map((e): CatalogEvent => ({ ...e, kind: 'native' }));
  return {
    papiVersion: papiVersion().text,
    hardware: papiHardware(),
    components: papiComponents(),
    events: [...presets, ...natives],
  };
}
