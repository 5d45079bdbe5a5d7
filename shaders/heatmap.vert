#version 330 core
// One heatmap tile: a quad given in level-0 cell coordinates, mapped to clip space by the view.
layout(location = 0) in vec2 aCell; // corner of the quad, in cells
layout(location = 1) in vec2 aTex;  // same corner in tile texture coordinates
uniform vec2 uCellToClipScale;
uniform vec2 uCellToClipOffset;
out vec2 vTex;
void main() {
    vTex = aTex;
    gl_Position = vec4(aCell * uCellToClipScale + uCellToClipOffset, 0.0, 1.0);
}
