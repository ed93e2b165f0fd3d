/**
 * A radio link budget for one direction of a space link, in the form of CCSDS 401.0-B (Radio
 * Frequency and Modulation Systems) link budgets and the DSN Telecommunications Link Design
 * Handbook (810-005): EIRP, free-space path loss, received power, C/N0, G/T, Eb/N0, and the margin
 * against the Eb/N0 a channel code needs (CCSDS 130.1-G Green Book, TM Synchronization and
 * Channel Coding — Summary of Concept and Rationale, for the codes of 131.0-B).
 *
 * Every quantity is in decibels relative to its unit: dBW (power), dBi (antenna gain), dB
 * (losses, ratios), dB-Hz (C/N0, data rate), dB/K (G/T), dBK (noise temperature).
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';

/** Speed of light in vacuum, m/s (exact, SI). */
export const SPEED_OF_LIGHT = 299_792_458;

/** Boltzmann's constant, J/K (exact, SI 2019). */
export const BOLTZMANN = 1.380649e-23;

/** Boltzmann's constant in dBW/K/Hz: 10 log10(k) = -228.60. */
export const BOLTZMANN_DBW_PER_K_HZ = 10 * Math.log10(BOLTZMANN);

/** The channel codes with a tabulated required Eb/N0 (keys of {@link CODING_SCHEMES}). */
export type CodingScheme =
  | 'uncoded'
  | 'conv-1/2'
  | 'rs-255-223'
  | 'rs-255-223+conv-1/2'
  | 'turbo-1/2'
  | 'ldpc-ar4ja-1/2-k1024'
  | 'ldpc-ar4ja-1/2-k4096'
  | 'ldpc-ar4ja-2/3-k1024'
  | 'ldpc-ar4ja-4/5-k1024'
  | 'ldpc-c2-7/8'
  | 'bch-63-56';

/** What {@link CODING_SCHEMES} holds for one code. */
export interface CodingSchemeInfo {
  /** Eb/N0 (dB, per information bit) needed on an AWGN BPSK channel to meet {@link target}. */
  readonly requiredEbN0Db: number;
  /** Information bits per channel symbol (the code rate, attached sync marker not counted). */
  readonly codeRate: number;
  /** The error-rate target the figure is for, e.g. 'BER 1e-5' or 'FER 1e-4'. */
  readonly target: string;
  /** Short description, with the decoder assumed. */
  readonly description: string;
  /** Where the figure comes from. */
  readonly source: string;
}

/*
 * Sources of the required Eb/N0 figures (all for BPSK on the AWGN channel, ideal carrier and
 * symbol synchronisation; a real receiver adds its implementation loss, see
 * LinkBudgetLosses.implementationDb):
 * - uncoded, RS(255,223) alone and BCH(63,56): computed here, exactly, from Q(sqrt(2 Es/N0))
 *   and the bounded-distance decoding formulas of 130.1-G-2 section 6 (RS: decoded BER
 *   (2^(J-1)/(2^J-1)) (1/n) sum_{j>E} j C(n,j) ps^j (1-ps)^(n-j), ps the 8-bit symbol error
 *   rate; BCH: single-error-correcting, BER of the codewords with 2 or more channel errors).
 *   These agree with the RS-alone and uncoded curves of 130.1-G-2 figure 6-3.
 * - convolutional (7,1/2) soft-decision Viterbi, and RS(255,223) E=16 I=5 concatenated with it:
 *   read off the BER curves of 130.1-G-2 section 6 (figure 6-3, which also shows the
 *   convolutional code alone): conv alone 4.4 dB, concatenated 2.5 dB at BER 1e-5, for ideal
 *   interleaving (I=5 is within 0.1 dB of it).
 * - turbo r=1/2 k=8920 and the LDPC codes (AR4JA, C2): read off the frame error rate curves of
 *   130.1-G-2 sections 7 and 8 at FER 1e-4, rounded up to the next tenth of a dB. These read-offs
 *   are approximate (about +-0.2 dB); pass LinkBudgetInput.requiredEbN0Db for a measured value.
 */

/** Required Eb/N0 and code rate of every tabulated code (see the module's source notes). */
export const CODING_SCHEMES: Readonly<Record<CodingScheme, CodingSchemeInfo>> = {
  uncoded: {
    requiredEbN0Db: 9.6,
    codeRate: 1,
    target: 'BER 1e-5',
    description: 'uncoded BPSK',
    source: 'computed: Q(sqrt(2 Eb/N0)) = 1e-5 at 9.59 dB',
  },
  'conv-1/2': {
    requiredEbN0Db: 4.4,
    codeRate: 1 / 2,
    target: 'BER 1e-5',
    description: 'convolutional (7,1/2), soft-decision Viterbi (131.0-B section 3)',
    source: '130.1-G-2 BER curves (convolutional code alone)',
  },
  'rs-255-223': {
    requiredEbN0Db: 6.3,
    codeRate: 223 / 255,
    target: 'BER 1e-5',
    description: 'Reed-Solomon (255,223) E=16 alone, hard-decision BPSK (131.0-B section 4)',
    source: 'computed: bounded-distance RS decoding formula of 130.1-G-2 section 6',
  },
  'rs-255-223+conv-1/2': {
    requiredEbN0Db: 2.5,
    codeRate: 223 / 510,
    target: 'BER 1e-5',
    description: 'RS(255,223) E=16 I=5 outer + convolutional (7,1/2) inner, soft Viterbi',
    source: '130.1-G-2 figure 6-3 (concatenated, r=1/2)',
  },
  'turbo-1/2': {
    requiredEbN0Db: 1.0,
    codeRate: 8920 / (2 * 8920 + 8),
    target: 'FER 1e-4',
    description: 'turbo code r=1/2, k=8920 (131.0-B section 6)',
    source: '130.1-G-2 turbo code frame error rate curves',
  },
  'ldpc-ar4ja-1/2-k1024': {
    requiredEbN0Db: 2.0,
    codeRate: 1 / 2,
    target: 'FER 1e-4',
    description: 'AR4JA LDPC r=1/2, k=1024 (131.0-B section 7.4), belief propagation',
    source: '130.1-G-2 AR4JA frame error rate curves',
  },
  'ldpc-ar4ja-1/2-k4096': {
    requiredEbN0Db: 1.5,
    codeRate: 1 / 2,
    target: 'FER 1e-4',
    description: 'AR4JA LDPC r=1/2, k=4096 (131.0-B section 7.4), belief propagation',
    source: '130.1-G-2 AR4JA frame error rate curves',
  },
  'ldpc-ar4ja-2/3-k1024': {
    requiredEbN0Db: 2.9,
    codeRate: 2 / 3,
    target: 'FER 1e-4',
    description: 'AR4JA LDPC r=2/3, k=1024 (131.0-B section 7.4), belief propagation',
    source: '130.1-G-2 AR4JA frame error rate curves',
  },
  'ldpc-ar4ja-4/5-k1024': {
    requiredEbN0Db: 4.1,
    codeRate: 4 / 5,
    target: 'FER 1e-4',
    description: 'AR4JA LDPC r=4/5, k=1024 (131.0-B section 7.4), belief propagation',
    source: '130.1-G-2 AR4JA frame error rate curves',
  },
  'ldpc-c2-7/8': {
    requiredEbN0Db: 4.0,
    codeRate: 7136 / 8160,
    target: 'FER 1e-4',
    description: 'LDPC (8160,7136) C2 code (131.0-B section 7.3), belief propagation',
    source: '130.1-G-2 C2 frame error rate curve',
  },
  'bch-63-56': {
    requiredEbN0Db: 8.2,
    codeRate: 56 / 63,
    target: 'BER 1e-5',
    description: 'TC BCH(63,56) codeblocks, single-error-correcting (231.0-B section 3)',
    source: 'computed: BER of codewords with 2 or more channel bit errors',
  },
};

/** The required Eb/N0 (dB) of every tabulated code, at its {@link CodingSchemeInfo.target}. */
export const REQUIRED_EB_N0_DB: Readonly<Record<CodingScheme, number>> = Object.fromEntries(
  Object.entries(CODING_SCHEMES).map(([k, v]) => [k, v.requiredEbN0Db]),
) as Record<CodingScheme, number>;

/** Losses between the transmitter output and the receiver input, each in dB (>= 0, default 0). */
export interface LinkBudgetLosses {
  /** Antenna pointing losses of both ends. */
  pointingDb?: number;
  /** Atmospheric (gas, rain, ionosphere) attenuation. */
  atmosphericDb?: number;
  /** Polarisation mismatch. */
  polarizationDb?: number;
  /** Demodulator / modem implementation loss (counted against the received power). */
  implementationDb?: number;
  /** Anything else: transmit line and cable losses, radome, margin policy. */
  otherDb?: number;
}

/** Inputs of {@link linkBudget}. Give the transmit power either in watts or in dBW. */
export interface LinkBudgetInput {
  /** Carrier frequency, Hz. */
  frequencyHz: number;
  /** Distance (slant range) between the antennas, m. */
  distanceM: number;
  /** Transmitter power at the antenna input, W (alternative to {@link txPowerDbw}). */
  txPowerW?: number;
  /** Transmitter power at the antenna input, dBW (alternative to {@link txPowerW}). */
  txPowerDbw?: number;
  /** Transmit antenna gain, dBi (see {@link dishGainDbi}). */
  txAntennaGainDbi: number;
  /** Receive antenna gain, dBi. */
  rxAntennaGainDbi: number;
  /** Receiving system noise temperature, K. */
  systemNoiseTempK: number;
  /** Losses, each in dB. */
  losses?: LinkBudgetLosses;
  /** Information data rate, bit/s. */
  dataRateBps: number;
  /** The channel code; its tabulated required Eb/N0 is used unless {@link requiredEbN0Db} is given. */
  coding?: CodingScheme;
  /** Explicit required Eb/N0, dB (overrides the table). One of this or {@link coding} is needed. */
  requiredEbN0Db?: number;
}

/** The computed budget; every field in the unit its name says. */
export interface LinkBudget {
  /** Wavelength, m. */
  wavelengthM: number;
  /** Transmitter power, dBW. */
  txPowerDbw: number;
  /** Effective isotropic radiated power: power + transmit gain, dBW. */
  eirpDbw: number;
  /** Free-space path loss 20 log10(4 pi d / lambda), dB. */
  freeSpacePathLossDb: number;
  /** Sum of the other losses, dB. */
  otherLossesDb: number;
  /** Power at the receiver input: EIRP - FSPL - losses + receive gain, dBW. */
  receivedPowerDbw: number;
  /** System noise temperature, dBK. */
  systemNoiseTempDbk: number;
  /** Receive figure of merit G/T, dB/K. */
  gOverTDbPerK: number;
  /** Noise spectral density N0 = k T, dBW/Hz. */
  noiseDensityDbwPerHz: number;
  /** Carrier-to-noise-density ratio C/N0, dB-Hz. */
  cOverN0DbHz: number;
  /** Data rate, dB-Hz (10 log10 of bit/s). */
  dataRateDbHz: number;
  /** Received energy per information bit over N0, dB. */
  ebN0Db: number;
  /** Required Eb/N0, dB. */
  requiredEbN0Db: number;
  /** Margin: Eb/N0 - required Eb/N0, dB (negative: the link does not close). */
  marginDb: number;
  /** The code ('explicit' when the required Eb/N0 was given directly). */
  coding: CodingScheme | 'explicit';
  /** The target the required Eb/N0 is for ('explicit' when given directly). */
  target: string;
}

function invalid(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

function positive(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(`${what} must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(`${what} must be a finite number, got ${String(value)}`);
  }
  return value;
}

function loss(value: unknown, what: string): number {
  if (value === undefined) return 0;
  const v = finite(value, what);
  if (v < 0) throw invalid(`${what} must be >= 0 dB, got ${v}`);
  return v;
}

/** 10 log10(x). */
export function toDb(x: number): number {
  return 10 * Math.log10(x);
}

/** Free-space path loss, dB: 20 log10(4 pi d f / c). `distanceM` in m, `frequencyHz` in Hz. */
export function freeSpacePathLossDb(distanceM: number, frequencyHz: number): number {
  positive(distanceM, 'distanceM');
  positive(frequencyHz, 'frequencyHz');
  return 20 * Math.log10((4 * Math.PI * distanceM * frequencyHz) / SPEED_OF_LIGHT);
}

/**
 * Gain of a parabolic dish, dBi: 10 log10(efficiency (pi D / lambda)^2).
 * @param diameterM - dish diameter, m
 * @param efficiency - aperture efficiency, 0 < e <= 1 (typically 0.5 to 0.7)
 * @param frequencyHz - frequency, Hz
 */
export function dishGainDbi(diameterM: number, efficiency: number, frequencyHz: number): number {
  positive(diameterM, 'diameterM');
  positive(efficiency, 'efficiency');
  if (efficiency > 1) throw invalid(`efficiency must be <= 1, got ${efficiency}`);
  positive(frequencyHz, 'frequencyHz');
  const lambda = SPEED_OF_LIGHT / frequencyHz;
  return toDb(efficiency * ((Math.PI * diameterM) / lambda) ** 2);
}

/**
 * Computes the budget. Throws `INVALID_ARGUMENT` for a missing, non-finite or out-of-range input,
 * for both or neither of `txPowerW` / `txPowerDbw`, and when neither `coding` nor
 * `requiredEbN0Db` is given or `coding` is unknown.
 */
export function linkBudget(input: LinkBudgetInput): LinkBudget {
  const f = positive(input.frequencyHz, 'frequencyHz');
  const d = positive(input.distanceM, 'distanceM');
  if ((input.txPowerW === undefined) === (input.txPowerDbw === undefined)) {
    throw invalid('give exactly one of txPowerW and txPowerDbw');
  }
  const txPowerDbw =
    input.txPowerW !== undefined
      ? toDb(positive(input.txPowerW, 'txPowerW'))
      : finite(input.txPowerDbw, 'txPowerDbw');
  const gt = finite(input.txAntennaGainDbi, 'txAntennaGainDbi');
  const gr = finite(input.rxAntennaGainDbi, 'rxAntennaGainDbi');
  const tsys = positive(input.systemNoiseTempK, 'systemNoiseTempK');
  const rate = positive(input.dataRateBps, 'dataRateBps');
  const l = input.losses ?? {};
  const otherLossesDb =
    loss(l.pointingDb, 'losses.pointingDb') +
    loss(l.atmosphericDb, 'losses.atmosphericDb') +
    loss(l.polarizationDb, 'losses.polarizationDb') +
    loss(l.implementationDb, 'losses.implementationDb') +
    loss(l.otherDb, 'losses.otherDb');

  let coding: CodingScheme | 'explicit';
  let requiredEbN0Db: number;
  let target: string;
  if (input.requiredEbN0Db !== undefined) {
    requiredEbN0Db = finite(input.requiredEbN0Db, 'requiredEbN0Db');
    coding = 'explicit';
    target = 'explicit';
  } else if (input.coding !== undefined) {
    const info = Object.hasOwn(CODING_SCHEMES, input.coding)
      ? CODING_SCHEMES[input.coding]
      : undefined;
    if (info === undefined) {
      throw invalid(
        `unknown coding ${String(input.coding)} (known: ${Object.keys(CODING_SCHEMES).join(', ')})`,
      );
    }
    coding = input.coding;
    requiredEbN0Db = info.requiredEbN0Db;
    target = info.target;
  } else {
    throw invalid('give coding or requiredEbN0Db');
  }

  const eirpDbw = txPowerDbw + gt;
  const fspl = freeSpacePathLossDb(d, f);
  const receivedPowerDbw = eirpDbw - fspl - otherLossesDb + gr;
  const systemNoiseTempDbk = toDb(tsys);
  const noiseDensityDbwPerHz = BOLTZMANN_DBW_PER_K_HZ + systemNoiseTempDbk;
  const cOverN0DbHz = receivedPowerDbw - noiseDensityDbwPerHz;
  const dataRateDbHz = toDb(rate);
  const ebN0Db = cOverN0DbHz - dataRateDbHz;
  return {
    wavelengthM: SPEED_OF_LIGHT / f,
    txPowerDbw,
    eirpDbw,
    freeSpacePathLossDb: fspl,
    otherLossesDb,
    receivedPowerDbw,
    systemNoiseTempDbk,
    gOverTDbPerK: gr - systemNoiseTempDbk,
    noiseDensityDbwPerHz,
    cOverN0DbHz,
    dataRateDbHz,
    ebN0Db,
    requiredEbN0Db,
    marginDb: ebN0Db - requiredEbN0Db,
    coding,
    target,
  };
}

/**
 * The highest information data rate (bit/s) at which the link still has `marginDb` of margin:
 * the same budget solved for R. Throws like {@link linkBudget}.
 */
export function maxDataRateBps(input: LinkBudgetInput, marginDb = 0): number {
  const b = linkBudget(input);
  finite(marginDb, 'marginDb');
  return 10 ** ((b.cOverN0DbHz - b.requiredEbN0Db - marginDb) / 10);
}

/** A shipped example link: the downlink and the uplink of one mission class. */
export interface LinkBudgetPreset {
  /** One-line description. */
  readonly description: string;
  /** Space-to-ground budget (TM). */
  readonly downlink: Readonly<LinkBudgetInput>;
  /** Ground-to-space budget (TC). */
  readonly uplink: Readonly<LinkBudgetInput>;
}

/** Names of {@link LINK_BUDGET_PRESETS}. */
export type LinkBudgetPresetName = 'leo' | 'lunar' | 'mars';

const LUNAR_M = 384_400e3;
const MARS_M = 2.25e11;

/**
 * Example links with parameters of the kind published for such missions (round figures, not a
 * particular spacecraft): a LEO cubesat at 1000 km slant range (S-band downlink to a 3 m dish,
 * UHF uplink from a Yagi), a lunar orbiter at 384,400 km (X-band downlink to a 12 m station,
 * S-band uplink) and a Mars orbiter at 2.25e11 m (X-band both ways, 3 m high-gain antenna, DSN 34 m
 * station). The downlinks use the concatenated RS + convolutional code, the uplinks the TC BCH code.
 */
export const LINK_BUDGET_PRESETS: Readonly<Record<LinkBudgetPresetName, LinkBudgetPreset>> = {
  leo: {
    description:
      'LEO cubesat, 1000 km: S-band 2 Mbit/s down (2.4 m dish), UHF 9.6 kbit/s up (Yagi)',
    downlink: {
      frequencyHz: 2.2e9,
      distanceM: 1000e3,
      txPowerW: 0.5,
      txAntennaGainDbi: 6, // patch
      rxAntennaGainDbi: dishGainDbi(2.4, 0.55, 2.2e9), // 32.3 dBi
      systemNoiseTempK: 250,
      losses: {
        pointingDb: 3, // patch off boresight, low elevation
        atmosphericDb: 0.5,
        polarizationDb: 0.5,
        implementationDb: 1.5,
        otherDb: 1,
      },
      dataRateBps: 2_000_000,
      coding: 'rs-255-223+conv-1/2',
    },
    uplink: {
      frequencyHz: 437e6,
      distanceM: 1000e3,
      txPowerW: 2,
      txAntennaGainDbi: 12, // Yagi
      rxAntennaGainDbi: -3, // monopole, off its best direction
      systemNoiseTempK: 1000, // warm Earth and man-made noise at UHF
      losses: {
        pointingDb: 1,
        atmosphericDb: 0.5,
        polarizationDb: 3, // linear to circular
        implementationDb: 2,
        otherDb: 1,
      },
      dataRateBps: 9600,
      coding: 'bch-63-56',
    },
  },
  lunar: {
    description: 'lunar orbiter, 384,400 km: X-band 2 Mbit/s down (12 m), S-band 4 kbit/s up',
    downlink: {
      frequencyHz: 8.45e9,
      distanceM: LUNAR_M,
      txPowerW: 5,
      txAntennaGainDbi: dishGainDbi(0.5, 0.6, 8.45e9), // 30.7 dBi
      rxAntennaGainDbi: dishGainDbi(12, 0.6, 8.45e9), // 58.7 dBi
      systemNoiseTempK: 150,
      losses: {
        pointingDb: 1,
        atmosphericDb: 0.5,
        polarizationDb: 0.3,
        implementationDb: 1.5,
        otherDb: 1.5,
      },
      dataRateBps: 2_000_000,
      coding: 'rs-255-223+conv-1/2',
    },
    uplink: {
      frequencyHz: 2.05e9,
      distanceM: LUNAR_M,
      txPowerW: 200,
      txAntennaGainDbi: dishGainDbi(12, 0.6, 2.05e9), // 46.4 dBi
      rxAntennaGainDbi: 0, // low-gain antenna
      systemNoiseTempK: 600,
      losses: {
        pointingDb: 0.5,
        atmosphericDb: 0.3,
        polarizationDb: 0.5,
        implementationDb: 2,
        otherDb: 2,
      },
      dataRateBps: 4000,
      coding: 'bch-63-56',
    },
  },
  mars: {
    description: 'Mars orbiter, 2.25e11 m: X-band 500 kbit/s down, 4 kbit/s up (3 m HGA, DSN 34 m)',
    downlink: {
      frequencyHz: 8.42e9,
      distanceM: MARS_M,
      txPowerW: 100, // TWTA
      txAntennaGainDbi: dishGainDbi(3, 0.55, 8.42e9), // 45.9 dBi
      rxAntennaGainDbi: dishGainDbi(34, 0.6, 8.42e9), // 67.4 dBi (DSN 34 m BWG)
      systemNoiseTempK: 35,
      losses: {
        pointingDb: 0.5,
        atmosphericDb: 0.3,
        polarizationDb: 0.2,
        implementationDb: 1,
        otherDb: 1.5,
      },
      dataRateBps: 500_000,
      coding: 'rs-255-223+conv-1/2',
    },
    uplink: {
      frequencyHz: 7.18e9,
      distanceM: MARS_M,
      txPowerW: 2000, // DSN transmitter at 2 kW
      txAntennaGainDbi: dishGainDbi(34, 0.6, 7.18e9), // 66.0 dBi
      rxAntennaGainDbi: dishGainDbi(3, 0.55, 7.18e9), // 44.5 dBi
      systemNoiseTempK: 500,
      losses: {
        pointingDb: 0.5,
        atmosphericDb: 0.3,
        polarizationDb: 0.2,
        implementationDb: 2,
        otherDb: 2,
      },
      dataRateBps: 4000,
      coding: 'bch-63-56',
    },
  },
};
