import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { installTesseraGlobal } from './tessera-global';
import './styles.css';

// An inline icon: the browser would otherwise ask the server for /favicon.ico.
const icon = document.createElement('link');
icon.rel = 'icon';
icon.href = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0e1014"/><path d="M3 3h4v4H3zM9 3h4v4H9zM3 9h4v4H3z" fill="#ffcc33"/><path d="M9 9h4v4H9z" fill="#c2577f"/></svg>')}`;
document.head.appendChild(icon);

installTesseraGlobal();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
