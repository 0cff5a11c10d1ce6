import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { platform } from './platform';
import './styles/theme.css';

// Resolving the platform first takes the bridge token out of the address bar before anything renders.
platform();
createApp(App).use(createPinia()).mount('#app');
