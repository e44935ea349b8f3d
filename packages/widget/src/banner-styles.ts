/** The shared look of the collision banners (reply warning, replied notice). */
import { css } from 'lit'

export const bannerStyles = css`
  :host {
    display: block;
  }
  .banner {
    display: flex;
    align-items: center;
    gap: 8px;
    margin: 0;
    padding: 8px 12px;
    border: 1px solid;
    border-radius: var(--_radius);
    line-height: 1.4;
  }
  .icon {
    width: 16px;
    height: 16px;
    flex: none;
  }
  .text {
    flex: 1;
  }
`
