#!/usr/bin/env node
// A committed launcher, so npm can link the `gyre` binary at install time, before the build.
import "../dist/main.js";
