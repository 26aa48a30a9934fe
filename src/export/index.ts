// Writers (DESIGN.md, export/): GeoJSON for QuPath, CSV (tiles; cells; batch scores with WSInfer-compatible
// columns), composited PNG and the analysis summary. Runs in a browser, a worker and Node alike; the PNG
// renderer's canvas is an adapter from ./browser (the app) or ./node (the CLI), so neither loads the other's.
export * from './geojson';
export * from './png';
export { analysisSummary, type AnalysisSummary } from './analysis-summary';
export { csvField, csvText, tilesCsv } from './tiles-csv';
export * from './cells';
export { scoreCsv, scoreCsvHeader, scoreCsvRow, type ScoreRow } from './score-csv';
