import { useEffect, useMemo, useState } from 'react';
import { toTesseraError } from '../../core';
import type { ChannelDisplay, ChannelInfo } from '../../slide';
import type { BrowserSlide } from '../../slide/browser';
import type { SlideViewer } from '../../viewer';
import { hexToRgb, initialDisplay, limitsProblem, rgbToHex, sampleRange } from './channel-display';
import { PlaneControls } from './PlaneControls';
import type { SlidePlane } from './use-slide-plane';
import './channels.css';

interface Props {
  slide: BrowserSlide;
  viewer: SlideViewer | null;
  plane: SlidePlane;
}

/**
 * A multi-channel (fluorescence) slide's channels as shown: per channel on/off, colour, and contrast
 * limits (min/max in the channel's own sample values, typed or dragged), "Auto" for the contrast the slide
 * opened with (a low level's histogram); a Z-stack or time series also chooses its plane here. Nothing
 * for other slides. Every change goes to the slide workers, which composite the tiles again (models that
 * take RGB then see the new composite too).
 */
export function ChannelsPanel({ slide, viewer, plane }: Props) {
  const channels = slide.info.channels;
  if (!channels?.length || !slide.setChannelDisplay) return null;
  return <ChannelControls key={slide.info.name} slide={slide} viewer={viewer} plane={plane} channels={channels} />;
}

type Limits = { min: string; max: string };

function ChannelControls({ slide, viewer, plane, channels }: Props & { channels: ChannelInfo[] }) {
  const auto = useMemo(() => initialDisplay(slide.info), [slide]);
  const [display, setDisplay] = useState<ChannelDisplay[]>(auto);
  // What the number inputs hold while typed: applied only once both make a valid pair.
  const [limits, setLimits] = useState<Limits[]>(() => auto.map(limitsText));
  const [problem, setProblem] = useState<string | null>(null);
  // Displays sent and not yet in the workers and redrawn (aria-busy: tests wait on it before reading pixels).
  const [pending, setPending] = useState(0);

  // A new slide starts from how it opened.
  useEffect(() => {
    setDisplay(auto);
    setLimits(auto.map(limitsText));
    setProblem(null);
  }, [auto]);

  const apply = (next: ChannelDisplay[]) => {
    setDisplay(next);
    setPending((n) => n + 1);
    const done = viewer ? viewer.setChannelDisplay(next) : slide.setChannelDisplay!(next);
    done
      .then(
        () => setProblem(null),
        (e: unknown) => setProblem(toTesseraError(e, 'The channels could not be shown with these settings.').message),
      )
      .finally(() => setPending((n) => n - 1));
  };
  const change = (i: number, patch: Partial<ChannelDisplay>) => apply(display.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const setContrast = (i: number, text: Limits) => {
    setLimits(limits.map((l, j) => (j === i ? text : l)));
    const min = Number(text.min);
    const max = Number(text.max);
    const why = text.min.trim() === '' || text.max.trim() === '' ? `${channels[i].name}: give both min and max.` : limitsProblem(channels[i], min, max);
    setProblem(why);
    if (!why) change(i, { min, max });
  };
  const autoContrast = (i: number) => {
    setLimits(limits.map((l, j) => (j === i ? limitsText(auto[i]) : l)));
    change(i, { min: auto[i].min, max: auto[i].max });
  };
  const resetAll = () => {
    setLimits(auto.map(limitsText));
    apply(auto.map((d) => ({ ...d })));
  };

  return (
    <section className="panel-section channels-panel" aria-label="Channels" aria-busy={pending > 0} data-testid="channels-panel">
      <h3>Channels</h3>
      <PlaneControls state={plane} />
      <ul className="channel-rows">
        {channels.map((c, i) => {
          const d = display[i];
          const { lo, hi } = sampleRange(c.sampleType);
          const l = limits[i];
          const bad = problem?.startsWith(`${c.name}:`) ?? false;
          return (
            <li key={i} className={d.visible ? 'channel-row' : 'channel-row off'} data-testid="channel-row" data-channel={c.name}>
              <div className="channel-head">
                <label className="channel-toggle">
                  <input type="checkbox" checked={d.visible} onChange={(e) => change(i, { visible: e.target.checked })} aria-label={`Show ${c.name}`} />
                  <span className="channel-name">{c.name}</span>
                </label>
                <input
                  type="color"
                  value={rgbToHex(d.color)}
                  aria-label={`${c.name} colour`}
                  onChange={(e) => {
                    const rgb = hexToRgb(e.target.value);
                    if (rgb) change(i, { color: rgb });
                  }}
                />
                <button type="button" onClick={() => autoContrast(i)} aria-label={`Auto contrast for ${c.name}`} title="The contrast the slide opened with (from a histogram of a low level)">
                  Auto
                </button>
              </div>
              <div className="channel-limits">
                <label>
                  min <input type="number" step={1} min={lo} max={hi} value={l.min} aria-invalid={bad} aria-label={`${c.name} minimum`} onChange={(e) => setContrast(i, { ...l, min: e.target.value })} />
                </label>
                <label>
                  max <input type="number" step={1} min={lo} max={hi} value={l.max} aria-invalid={bad} aria-label={`${c.name} maximum`} onChange={(e) => setContrast(i, { ...l, max: e.target.value })} />
                </label>
              </div>
              <div className="channel-sliders">
                <input type="range" min={lo} max={hi} step={1} value={d.min} aria-label={`${c.name} minimum slider`} onChange={(e) => setContrast(i, { min: e.target.value, max: String(d.max) })} />
                <input type="range" min={lo} max={hi} step={1} value={d.max} aria-label={`${c.name} maximum slider`} onChange={(e) => setContrast(i, { min: String(d.min), max: e.target.value })} />
              </div>
            </li>
          );
        })}
      </ul>
      <button type="button" onClick={resetAll}>
        Reset all channels
      </button>
      {problem ? (
        <p className="panel-error" role="alert" data-testid="channels-problem">
          {problem}
        </p>
      ) : null}
    </section>
  );
}

function limitsText(d: ChannelDisplay): Limits {
  return { min: String(d.min), max: String(d.max) };
}
