import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './app.js';

const root = document.getElementById('app')!;
root.textContent = ''; // the "Loading…" line shown before the script ran
render(<App />, root);
