import { scaleLength } from '../render';

/**
 * A scale bar drawn over the slide (bottom left): a bar of a round length in µm or mm. When the slide
 * does not say how big its pixels are, the bar is replaced by a short note saying so.
 */
export class ScaleBar {
  readonly element: HTMLDivElement;
  private readonly bar: HTMLDivElement;
  private readonly label: HTMLSpanElement;

  constructor(container: HTMLElement) {
    this.element = document.createElement('div');
    this.element.className = 'tessera-scale-bar';
    this.element.setAttribute('role', 'img');
    Object.assign(this.element.style, {
      position: 'absolute',
      left: '12px',
      bottom: '12px',
      padding: '4px 8px 6px',
      background: 'rgba(10, 12, 16, 0.72)',
      color: '#f2f2f2',
      font: '12px/1.3 system-ui, sans-serif',
      borderRadius: '4px',
      pointerEvents: 'none',
      zIndex: '5',
      display: 'none', // until the first view is known
    } satisfies Partial<CSSStyleDeclaration>);
    this.label = document.createElement('span');
    this.bar = document.createElement('div');
    Object.assign(this.bar.style, { height: '6px', marginTop: '3px', border: '2px solid #f2f2f2', borderTop: 'none' });
    this.element.append(this.label, this.bar);
    container.appendChild(this.element);
  }

  /** `umPerPixel`: micrometres per CSS pixel at the current zoom, or null when the slide has no µm/px. */
  update(umPerPixel: number | null): void {
    const len = umPerPixel === null ? null : scaleLength(umPerPixel);
    this.element.style.display = '';
    if (!len) {
      this.bar.style.display = 'none';
      this.label.textContent = 'No scale: this slide does not state its µm per pixel';
      this.element.setAttribute('aria-label', 'No scale bar: the slide does not state its µm per pixel');
      return;
    }
    this.bar.style.display = '';
    this.bar.style.width = `${Math.round(len.pixels)}px`;
    this.label.textContent = len.label;
    this.element.setAttribute('aria-label', `Scale bar ${len.label}`);
    this.element.dataset.micrometres = String(len.micrometres);
  }

  destroy(): void {
    this.element.remove();
  }
}
