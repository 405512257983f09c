/**
 * The charting library (uPlot) and its style sheet: imported only by charts.tsx's dynamic import, so that Vite puts
 * both in a chunk of their own, fetched when a page first shows a chart.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export { uPlot };
