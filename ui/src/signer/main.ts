import { mount } from "svelte";
import SignerScreen from "./SignerScreen.svelte";
import "../app.css";

mount(SignerScreen, { target: document.getElementById("signer")! });
