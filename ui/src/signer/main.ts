import { mount } from "svelte";
import SignerScreen from "./SignerScreen.svelte";
import "../fonts.css";
import "../app.css";

mount(SignerScreen, { target: document.getElementById("signer")! });
