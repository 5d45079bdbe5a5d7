#version 330 core
// Colour of one texel: the tile holds colour positions quantised to 16 bits (1.0 = "not stored",
// drawn as background); the colormap is a 256-entry table, interpolated like the exported figures.
uniform sampler2D uTile;     // R16, nearest: cells stay crisp when zoomed in
uniform sampler2D uColormap; // 256 x 1 RGBA8, linear
uniform vec4 uBackground;
in vec2 vTex;
out vec4 fragColor;
void main() {
    float q = texture(uTile, vTex).r * 65535.0;
    if (q > 65534.5) {
        fragColor = uBackground;
        return;
    }
    float t = q / 65534.0;
    fragColor = vec4(texture(uColormap, vec2((t * 255.0 + 0.5) / 256.0, 0.5)).rgb, 1.0);
}
